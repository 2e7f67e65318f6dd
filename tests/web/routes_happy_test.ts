/** Route tests, happy paths: sign-in, search, recording page, media, actions, agent, admin. */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";
import { addOrgUnit, upsertAgent } from "../../src/store/queries/org_units.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

async function audits(h: Harness, action: string) {
  return await h.services.store.db.selectFrom("audit_events").selectAll().where(
    "action",
    "=",
    action,
  )
    .execute();
}

Deno.test({
  ...T,
  name: "sign-in sets an HttpOnly SameSite=Strict cookie and search lists visible recordings",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1", { agentId: "ag1", customerId: "C-42" });
    await h.recording("r2", { agentId: "ag2", startedAt: "2026-03-01T08:00:00.000Z" });
    const res = await h.req("/sign-in", {
      form: { username: "admin", password: "correct horse battery" },
    });
    const cookie = res.headers.get("Set-Cookie") ?? "";
    assert.equal(res.status, 303);
    assert.match(cookie, /^selrec_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    const c = await h.signIn("admin");
    const page = await (await h.req("/recordings", { client: c })).text();
    assert.match(page, /2 recordings/);
    assert.match(page, /href="\/recordings\/r1"/);
    const filtered = await (await h.req("/recordings?customer=C-42", { client: c })).text();
    assert.match(filtered, /1 recordings/);
    assert.doesNotMatch(filtered, /\/recordings\/r2"/);
    assert.equal((await audits(h, "recording.search")).length, 2);
  },
});

Deno.test({
  ...T,
  name: "search pages by keyset with a stable total, and JSON is served on request",
  async fn() {
    await using h = await Harness.create();
    for (let i = 0; i < 53; i++) {
      const t = new Date(Date.parse("2026-03-01T00:00:00.000Z") + i * 60_000).toISOString();
      await h.recording(`k${String(i).padStart(2, "0")}`, { startedAt: t, file: false });
    }
    const c = await h.signIn("admin");
    const first =
      await (await h.req("/recordings", { client: c, headers: { Accept: "application/json" } }))
        .json();
    assert.equal(first.total, 53);
    assert.equal(first.recordings.length, 50);
    assert.equal(first.recordings[0].id, "k52");
    const second = await (await h.req(`/recordings?after=${first.next}`, {
      client: c,
      headers: { Accept: "application/json" },
    })).json();
    assert.equal(second.total, 53);
    assert.deepEqual(second.recordings.map((r: { id: string }) => r.id), ["k02", "k01", "k00"]);
    assert.equal(second.next, null);
  },
});

Deno.test({
  ...T,
  name: "audio honours Range: 200 full, 206 closed/open/suffix, 416 past the end",
  async fn() {
    await using h = await Harness.create();
    const { bytes } = await h.recording("r1");
    const c = await h.signIn("admin");
    const full = await h.req("/recordings/r1/audio", { client: c });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("Accept-Ranges"), "bytes");
    assert.equal(full.headers.get("Content-Type"), 'audio/ogg; codecs="opus"');
    assert.deepEqual(new Uint8Array(await full.arrayBuffer()), bytes);
    const size = bytes.length;
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=100-", 100, size - 1],
      [
        "bytes=-50",
        size - 50,
        size - 1,
      ],
    ];
    for (const [range, a, b] of cases) {
      const res = await h.req("/recordings/r1/audio", { client: c, headers: { Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("Content-Range"), `bytes ${a}-${b}/${size}`);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(a, b + 1), range);
    }
    const bad = await h.req("/recordings/r1/audio", {
      client: c,
      headers: { Range: `bytes=${size}-` },
    });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get("Content-Range"), `bytes */${size}`);
    await bad.body?.cancel();
    // One playback by one session: its first response is audited, the ranges that
    // follow within 5 minutes are covered by that row (see tests/web/play_audit_test.ts).
    assert.equal((await audits(h, "recording.play")).length, 1, "one play row per playback");
  },
});

Deno.test({
  ...T,
  name: "recording page, waveform SVG and WAV transcode render the seeded recording",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1", { seconds: 2 });
    const db = h.services.store.db;
    await db.insertInto("pauses").values({
      recording_id: "r1",
      start_ms: 500,
      end_ms: 900,
      source: "agent",
      reason_code: "payment-card",
      user_id: null,
    }).execute();
    await db.insertInto("recording_metadata").values({
      recording_id: "r1",
      key: "queue",
      value: "billing",
    }).execute();
    const c = await h.signIn("admin");
    const page = await (await h.req("/recordings/r1", { client: c })).text();
    assert.match(page, /<audio[^>]+src="\/recordings\/r1\/audio"/);
    assert.match(page, /billing/);
    assert.match(page, /payment-card/);
    const svg = await h.req("/recordings/r1/waveform.svg", { client: c });
    assert.equal(svg.headers.get("Content-Type"), "image/svg+xml");
    const text = await svg.text();
    assert.equal((text.match(/<path class="wave/g) ?? []).length, 2, "one lane per channel");
    assert.match(text, /<rect class="pause"/);
    const wav = new Uint8Array(
      await (await h.req("/recordings/r1/audio.wav", { client: c })).arrayBuffer(),
    );
    const v = new DataView(wav.buffer);
    assert.equal(new TextDecoder().decode(wav.subarray(0, 4)), "RIFF");
    assert.equal(v.getUint16(22, true), 2, "stereo");
    const rate = v.getUint32(24, true);
    assert.equal(rate, 8000);
    const frames = (wav.length - 44) / 4;
    assert.ok(Math.abs(frames / rate - 2) < 0.05, `duration ${frames / rate}`);
  },
});

Deno.test({
  ...T,
  name:
    "export, legal hold and compliance delete are reasoned, audited, and delete leaves a tombstone",
  async fn() {
    await using h = await Harness.create();
    const { bytes, path } = await h.recording("r1");
    await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
    const c = await h.signIn("carol");
    const reason = { reason_code: "legal-request", reason_text: "case 17" };
    const exp = await h.req("/recordings/r1/export", {
      client: c,
      form: { ...reason, format: "ogg" },
    });
    assert.equal(exp.status, 200);
    assert.match(exp.headers.get("Content-Disposition") ?? "", /attachment; filename="r1.ogg"/);
    assert.deepEqual(new Uint8Array(await exp.arrayBuffer()), bytes);
    const hold = await h.req("/recordings/r1/hold", { client: c, form: { ...reason, on: "1" } });
    assert.equal(hold.status, 303);
    const refused = await h.req("/recordings/r1/delete", { client: c, form: reason });
    assert.equal(refused.status, 409);
    await refused.body?.cancel();
    await h.req("/recordings/r1/hold", { client: c, form: { ...reason, on: "0", confirm: "yes" } });
    const del = await h.req("/recordings/r1/delete", {
      client: c,
      form: { ...reason, confirm: "yes" },
    });
    assert.equal(del.status, 303);
    const row = await h.services.store.db.selectFrom("recordings").selectAll().where(
      "id",
      "=",
      "r1",
    )
      .executeTakeFirstOrThrow();
    assert.equal(row.state, "deleted");
    assert.equal(row.delete_reason, "legal-request: case 17");
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    for (
      const a of ["recording.export", "recording.hold.on", "recording.hold.off", "recording.delete"]
    ) {
      const [e] = await audits(h, a);
      assert.equal(e?.reason_code, "legal-request", a);
      assert.equal(e?.actor_name, "carol");
    }
    const gone = await h.req("/recordings/r1/audio", { client: c });
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
  },
});

Deno.test({
  ...T,
  name:
    "an agent pauses and resumes their own call from the agent page and through the API with a token",
  async fn() {
    await using h = await Harness.create();
    await h.user("ann", "agent", { agentId: "ag1" });
    h.calls.calls.push({
      callId: "call-1",
      recordingId: "r1",
      siprecSessionId: "sess-1",
      sipCallId: "cid-1",
      ucid: "UCID-1",
      agentId: "ag1",
      ani: "+1555",
      dnis: "+1666",
      startedAt: "2026-03-01T09:59:00.000Z",
      allowPause: true,
      recorded: true,
      ruleId: null,
      decidedBy: "rules",
      notRecordedReason: null,
      paused: false,
      pausedAt: null,
      autoResumeAt: null,
      noMedia: false,
      partitions: ["p1"],
    });
    const c = await h.signIn("ann");
    assert.match(await (await h.req("/agent", { client: c })).text(), /id="pause"/);
    const p = await h.req("/agent/pause", { client: c, form: { reason_code: "payment-card" } });
    assert.equal(p.status, 303);
    assert.match(
      await (await h.req("/agent", { client: c })).text(),
      /Recording paused[\s\S]*resumes automatically/,
    );
    await h.req("/agent/resume", { client: c, form: { reason_code: "payment-card" } });
    const admin = await h.signIn("admin");
    const made = await (await h.req("/admin/tokens", {
      client: admin,
      form: { name: "desk-ann", agent_id: "ag1", scopes: "pause.own", expires_days: "7" },
    })).text();
    const token = /id="new-token">(sr_[\w-]+)</.exec(made)?.[1];
    assert.ok(token, "the token is shown once");
    const api = await h.req("/api/v1/calls/UCID-1/pause", {
      json: { reasonCode: "personal-data" },
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(api.status, 200);
    assert.deepEqual(await api.json(), { callId: "call-1", paused: true });
    assert.deepEqual(
      h.calls.log.map((l) => `${l.op}:${l.request.source}:${l.request.reasonCode}`),
      [
        "pause:agent:payment-card",
        "resume:agent:payment-card",
        "pause:api:personal-data",
      ],
    );
    assert.equal((await audits(h, "call.pause")).length, 2);
    const sup = await (await h.req("/calls", { client: admin })).text();
    assert.match(sup, /paused, resumes in/);
  },
});

Deno.test({
  ...T,
  name:
    "admin adds an org unit and a supervisor who then sees only their subtree; sign-out ends the session",
  async fn() {
    await using h = await Harness.create();
    const db = h.services.store.db;
    const east = await addOrgUnit(db, "East", h.orgRoot);
    await addOrgUnit(db, "West", h.orgRoot);
    await upsertAgent(db, "ag-east", null, east.id);
    await h.recording("re", { agentId: "ag-east" });
    await h.recording("rw", { agentId: "ag-west" });
    const admin = await h.signIn("admin");
    const add = await h.req("/admin/users", {
      client: admin,
      form: {
        username: "sam",
        password: "a long enough password",
        role: "supervisor",
        org_unit_id: String(east.id),
        partitions: "p1",
      },
    });
    assert.equal(add.status, 303);
    assert.match(await (await h.req("/admin/org", { client: admin })).text(), /East/);
    assert.equal((await h.req("/admin/system", { client: admin })).status, 200);
    assert.equal((await h.req("/admin/rules", { client: admin })).status, 200);
    await db.updateTable("users").set({
      password_hash:
        (await db.selectFrom("users").select("password_hash").where("username", "=", "admin")
          .executeTakeFirstOrThrow()).password_hash,
    }).where("username", "=", "sam").execute();
    const sam = await h.signIn("sam");
    // An admin-set password must be changed before anything else.
    const gate = await h.req("/recordings", { client: sam, headers: { Accept: "text/html" } });
    assert.equal(gate.status, 303);
    assert.equal(gate.headers.get("Location"), "/account/password");
    const wrong = await h.req("/account/password", {
      client: sam,
      form: { current: "nope", password: "sams own password", repeat: "sams own password" },
    });
    assert.equal(wrong.status, 400);
    const changed = await h.req("/account/password", {
      client: sam,
      form: { current: PASSWORD, password: "sams own password", repeat: "sams own password" },
    });
    assert.equal(changed.status, 303);
    const audit = await db.selectFrom("audit_events").select(["action", "actor_name"])
      .where("action", "=", "user.password_change").execute();
    assert.deepEqual(audit.map((a) => ({ ...a })), [{
      action: "user.password_change",
      actor_name: "sam",
    }]);
    const list = await (await h.req("/recordings", { client: sam })).text();
    assert.match(list, /1 recordings/);
    assert.match(list, /\/recordings\/re"/);
    const out = await h.req("/sign-out", { client: sam, form: {} });
    assert.equal(out.status, 303);
    const after = await h.req("/recordings", { client: sam, headers: { Accept: "text/html" } });
    assert.equal(after.status, 303);
    assert.match(after.headers.get("Location") ?? "", /^\/sign-in/);
  },
});
