/** Route tests, errors: bad sign-ins, throttling, lockout, timeouts, bad input, missing services. */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

async function attempt(
  h: Harness,
  username: string,
  password: string,
  ip: string,
): Promise<number> {
  const res = await h.req("/sign-in", { form: { username, password }, ip });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  ...T,
  name:
    "wrong password and unknown user fail alike; an IP backs off after 5 failures, others are unaffected",
  async fn() {
    await using h = await Harness.create();
    const a = await h.req("/sign-in", { form: { username: "admin", password: "wrong password!" } });
    const b = await h.req("/sign-in", { form: { username: "ghost", password: "wrong password!" } });
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.equal(await a.text(), (await b.text()).replace('value="ghost"', 'value="admin"'));
    for (let i = 0; i < 3; i++) {
      assert.equal(await attempt(h, `u${i}`, "nope nope nope", "10.0.0.1"), 401);
    }
    assert.equal(
      await attempt(h, "admin", PASSWORD, "10.0.0.1"),
      429,
      "throttled before the password is checked",
    );
    assert.equal(await attempt(h, "admin", PASSWORD, "10.0.0.2"), 303, "another address signs in");
    h.clock += 1000;
    assert.equal(
      await attempt(h, "admin", PASSWORD, "10.0.0.1"),
      303,
      "after the backoff the address may try again",
    );
  },
});

Deno.test({
  ...T,
  name:
    "10 failures lock the account for strangers only; the user's familiar address still signs in",
  async fn() {
    await using h = await Harness.create();
    await h.signIn("admin", PASSWORD, "192.168.1.10");
    for (let i = 0; i < 10; i++) {
      assert.equal(await attempt(h, "admin", "guess guess guess", `203.0.113.${i}`), 401);
    }
    const row = await h.services.store.db.selectFrom("users").select("locked_until").where(
      "username",
      "=",
      "admin",
    ).executeTakeFirstOrThrow();
    assert.ok(row.locked_until, "locked");
    assert.equal(
      await attempt(h, "admin", PASSWORD, "198.51.100.7"),
      401,
      "the right password from a stranger is refused",
    );
    assert.equal(
      await attempt(h, "admin", PASSWORD, "192.168.1.10"),
      303,
      "the familiar address is not locked out",
    );
    for (let i = 0; i < 10; i++) {
      await attempt(h, "admin", "guess guess guess", `203.0.113.${20 + i}`);
    }
    h.clock += 30 * 60_000 + 1;
    assert.equal(await attempt(h, "admin", PASSWORD, "198.51.100.8"), 303, "the lock expires");
    const denied = await h.services.store.db.selectFrom("audit_events").select("outcome").where(
      "action",
      "=",
      "auth.sign_in",
    )
      .where("outcome", "=", "denied").execute();
    assert.equal(denied.length, 1, "the refused locked attempt is audited as denied");
  },
});

Deno.test({
  ...T,
  name: "sessions end after 15 minutes idle and 12 hours absolute",
  async fn() {
    await using h = await Harness.create();
    const status = async (c: Awaited<ReturnType<Harness["signIn"]>>) => {
      const res = await h.req("/recordings", { client: c });
      await res.body?.cancel();
      return res.status;
    };
    const idle = await h.signIn("admin");
    h.clock += 14 * 60_000;
    assert.equal(await status(idle), 200);
    h.clock += 15 * 60_000;
    assert.equal(await status(idle), 401, "idle for 15 minutes");
    const long = await h.signIn("admin");
    for (let t = 0; t < 12 * 60; t += 10) {
      h.clock += 10 * 60_000;
      if (t + 10 < 12 * 60) assert.equal(await status(long), 200, `at ${t + 10} min`);
    }
    assert.equal(await status(long), 401, "absolute timeout");
    assert.equal(
      await h.services.store.db.selectFrom("sessions").select("id").execute().then((r) => r.length),
      0,
    );
  },
});

Deno.test({
  ...T,
  name: "actions refuse missing reasons, short passwords, unknown calls and absent call control",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
    const carol = await h.signIn("carol");
    for (
      const form of [{} as Record<string, string>, { reason_code: "bogus", reason_text: "abc" }, {
        reason_code: "other",
        reason_text: "",
      }]
    ) {
      const res = await h.req("/recordings/r1/delete", { client: carol, form });
      assert.equal(res.status, 400, JSON.stringify(form));
      await res.body?.cancel();
    }
    const admin = await h.signIn("admin");
    const short = await h.req("/admin/users", {
      client: admin,
      form: { username: "x", password: "short", role: "agent" },
    });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /at least 12 characters/);
    await h.user("ann", "agent", { agentId: "ag1" });
    const ann = await h.signIn("ann");
    const none = await h.req("/api/v1/calls/nope/pause", {
      client: ann,
      json: { reasonCode: "other" },
    });
    assert.equal(none.status, 404);
    await none.body?.cancel();
    h.calls.calls.push({
      callId: "c1",
      recordingId: null,
      siprecSessionId: null,
      sipCallId: null,
      ucid: "U1",
      agentId: "ag2",
      ani: null,
      dnis: null,
      startedAt: "2026-03-01T09:00:00.000Z",
      allowPause: true,
      recorded: true,
      ruleId: null,
      decidedBy: "rules",
      notRecordedReason: null,
      paused: false,
      pausedAt: null,
      autoResumeAt: null,
      noMedia: false,
      partitions: [],
    });
    const other = await h.req("/api/v1/calls/U1/pause", {
      client: ann,
      json: { reasonCode: "other" },
    });
    assert.equal(other.status, 404, "another agent's call does not exist for ann");
    await other.body?.cancel();
    h.calls.calls[0].agentId = "ag1";
    const noReason = await h.req("/api/v1/calls/U1/pause", { client: ann, json: {} });
    assert.equal(noReason.status, 400);
    await noReason.body?.cancel();
    h.calls.calls[0].allowPause = false;
    const notAllowed = await h.req("/api/v1/calls/U1/pause", {
      client: ann,
      json: { reasonCode: "other" },
    });
    assert.equal(notAllowed.status, 409);
    await notAllowed.body?.cancel();
    h.services.callControl = undefined;
    const off = await h.req("/api/v1/calls/U1/pause", {
      client: ann,
      json: { reasonCode: "other" },
    });
    assert.equal(off.status, 503);
    await off.body?.cancel();
    assert.equal(h.calls.log.length, 0, "nothing was paused");
  },
});

Deno.test({
  ...T,
  name: "a failing audit write fails the delete and leaves row and file untouched",
  async fn() {
    await using h = await Harness.create();
    const { path } = await h.recording("r1");
    await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
    const carol = await h.signIn("carol");
    h.services.store.raw.exec(`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_events
      WHEN NEW.action = 'recording.delete' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    const res = await h.req("/recordings/r1/delete", {
      client: carol,
      form: { reason_code: "other", reason_text: "cleanup", confirm: "yes" },
    });
    assert.equal(res.status, 500);
    await res.body?.cancel();
    const row = await h.services.store.db.selectFrom("recordings").select(["state", "deleted_at"])
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...row }, { state: "complete", deleted_at: null });
    assert.ok((await Deno.stat(path)).isFile, "the file is still there");
  },
});
