/**
 * Issue 19 defect 10 (web): bad bearer tokens, CSRF refusals and waveform views were not
 * audited. Cheap refusals are audited with address, method and path, at most 10 rows per
 * action, address and minute; the next row written carries how many were left out.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";
import { assertRow } from "./audit_rows.ts";
import type { AuditEvent } from "../../src/store/schema/audit.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

async function rowsOf(h: Harness, action: string): Promise<AuditEvent[]> {
  return (await h.services.store.db.selectFrom("audit_events").selectAll()
    .where("action", "=", action).orderBy("seq").execute()).map((r) => ({ ...r }));
}

async function status(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

Deno.test({
  ...T,
  name: "a bad bearer token is refused 401 and audited as auth.bearer failed",
  async fn() {
    await using h = await Harness.create();
    const bearer = (value: string) =>
      h.req("/api/v1/calls", { headers: { Authorization: value }, ip: "192.0.2.9" });
    assert.equal(await status(bearer(`Bearer sr_${"x".repeat(40)}`)), 401);
    assertRow(await rowsOf(h, "auth.bearer"), {
      actor: ["token", null as unknown as string],
      action: "auth.bearer",
      outcome: "failed",
      details: {
        why: "unknown, revoked or orphaned token",
        method: "GET",
        path: "/api/v1/calls",
        suppressed: 0,
      },
    }, "unknown token");
    assert.equal((await rowsOf(h, "auth.bearer"))[0].ip, "192.0.2.9");
    assert.equal(await status(bearer("Bearer !")), 401);
    const rows = await rowsOf(h, "auth.bearer");
    assert.equal(JSON.parse(rows[1].details).why, "malformed header");
    assert.ok(!rows.some((r) => r.details.includes("xxxxxxxx")), "the token is not stored");
  },
});

Deno.test({
  ...T,
  name: "a flood of bad tokens writes 10 rows a minute per address, then one counting the rest",
  async fn() {
    await using h = await Harness.create();
    const send = (ip: string) =>
      status(h.req("/api/v1/calls", { headers: { Authorization: "Bearer sr_nope_nope" }, ip }));
    for (let i = 0; i < 30; i++) assert.equal(await send("192.0.2.10"), 401);
    assert.equal(await send("192.0.2.11"), 401);
    assert.equal((await rowsOf(h, "auth.bearer")).length, 11);
    h.clock += 60_000;
    await send("192.0.2.10");
    const last = (await rowsOf(h, "auth.bearer")).at(-1)!;
    assert.equal(last.ip, "192.0.2.10");
    assert.equal(JSON.parse(last.details).suppressed, 20);
  },
});

Deno.test({
  ...T,
  name: "CSRF refusals are audited as auth.csrf denied, signed in or not",
  async fn() {
    await using h = await Harness.create();
    const cross = h.req("/sign-in", {
      form: { username: "admin", password: "x" },
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(await status(cross), 403);
    assertRow(await rowsOf(h, "auth.csrf"), {
      actor: ["user", null as unknown as string],
      action: "auth.csrf",
      outcome: "denied",
      details: {
        why: "cross-origin request refused",
        origin: "https://evil.example",
        method: "POST",
        path: "/sign-in",
      },
    }, "cross-origin sign-in");
    assert.equal((await rowsOf(h, "auth.sign_in")).length, 0, "no password was checked");

    const admin = await h.signIn("admin");
    const noToken = h.req("/sign-out", { client: admin, form: {}, noCsrf: true });
    assert.equal(await status(noToken), 403);
    const rows = await rowsOf(h, "auth.csrf");
    assert.equal(rows.length, 2);
    assert.deepEqual([rows[1].actor_type, rows[1].actor_name], ["user", "admin"]);
    assert.equal(JSON.parse(rows[1].details).why, "missing or bad CSRF token");
    const site = h.req("/sign-out", {
      client: admin,
      form: {},
      headers: { "Sec-Fetch-Site": "cross-site" },
    });
    assert.equal(await status(site), 403);
    assert.equal(JSON.parse((await rowsOf(h, "auth.csrf"))[2].details).site, "cross-site");
  },
});

Deno.test({
  ...T,
  name: "the waveform is audited as recording.waveform with the recording's metadata",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    const admin = await h.signIn("admin");
    for (let i = 0; i < 2; i++) {
      const res = await h.req("/recordings/r1/waveform.svg", { client: admin });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^<svg/);
    }
    const rows = await rowsOf(h, "recording.waveform");
    assert.equal(rows.length, 2, "served from the cache or not, each view is audited");
    assertRow(rows.slice(1), {
      actor: ["user", "admin"],
      action: "recording.waveform",
      target: ["recording", "r1"],
      recording: "r1",
      customer: "cust-1",
      details: { metadata: { agentId: "ag1", partitions: ["p1"] } },
    }, "waveform");
  },
});
