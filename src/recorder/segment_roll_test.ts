/**
 * Segment rolls on the fake engine and clock, with the real store: when a recording
 * rolls (exactly at `recorder.maxSegmentSeconds`, each segment timed from its own
 * start), how the rows link, and what carries over (a running pause, agents,
 * partitions, metadata).
 */
import assert from "node:assert/strict";
import { AuditLog } from "../audit/audit_log.ts";
import { resolveConfig } from "../config.ts";
import { migrate, openStore, type Store } from "../store/db.ts";
import { RecorderService } from "./recorder_service.ts";
import type { SessionInfo } from "./session.ts";
import { FakeEngine, FakeTimers, memoryLog } from "./recorder_test_util.ts";

const SESSION: SessionInfo = {
  key: "long",
  sessionId: "sess-long",
  sipCallId: "long@src.example",
  source: "siprec",
  streams: ["1", "2"].map((label, i) => ({
    label,
    port: 30000 + 2 * i,
    codecs: [{ pt: 0, name: "PCMU" as const, clockRate: 8000 }],
  })),
  participants: [
    { id: "p1", aor: "sip:+15551230001@pbx.example", name: "Customer", sends: ["1"] },
    { id: "p2", aor: "sip:agent7@pbx.example", name: null, sends: ["2"] },
  ],
  metadata: { AgentID: "agent7", UCID: "ucid-long", GRECORD_PARTITIONS: "sales" },
};

async function setup(maxSegmentSeconds: number) {
  const dir = await Deno.makeTempDir({ prefix: "selrec-segments-" });
  const config = resolveConfig(
    { dataDir: dir, recorder: { recordAll: true, maxSegmentSeconds } },
    {},
    "segment_roll_test",
  );
  const store = openStore(`${dir}/selrec.db`);
  await migrate(store.db);
  const clock = new FakeTimers();
  const engine = new FakeEngine(clock);
  const recorder = new RecorderService({
    config,
    store,
    audit: new AuditLog(store.db, { now: () => clock.now() }),
    log: memoryLog([]),
    engine,
    rules: null,
    now: () => clock.now(),
    timers: clock,
  });
  await recorder.start();
  return {
    recorder,
    engine,
    clock,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function rows(store: Store, sql: string, ...args: string[]): Record<string, unknown>[] {
  return store.raw.prepare(sql).all(...args).map((r) => ({ ...r }));
}

/** Waits (briefly, for real) for the roll's file and row work to finish. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const segments = (store: Store) =>
  rows(
    store,
    `SELECT id, segment, previous_recording_id AS previous, state, duration_ms AS ms,
       started_at FROM recordings ORDER BY segment`,
  );

Deno.test({
  name: "a recording rolls at maxSegmentSeconds into linked segments of the same call",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using b = await setup(2);
    await b.recorder.started(SESSION);
    b.clock.advance(1999);
    assert.equal(b.engine.calls.filter((c) => c.startsWith("roll")).length, 0);
    b.clock.advance(1);
    await until("segment 2", () => segments(b.store).length === 2 && !!segments(b.store)[0].ms);
    b.clock.advance(2000);
    await until("segment 3", () => segments(b.store).length === 3 && !!segments(b.store)[1].ms);
    b.clock.advance(700);
    await b.recorder.ended("long", "bye");
    const [s1, s2, s3] = segments(b.store);
    assert.deepEqual(b.engine.calls, [
      `open ${s1.id}`,
      `roll ${s1.id} ${s2.id}`,
      `roll ${s2.id} ${s3.id}`,
      `close ${s3.id}`,
    ]);
    assert.deepEqual([s1, s2, s3].map((s) => [s.segment, s.previous, s.state, s.ms]), [
      [1, null, "complete", 2000],
      [2, s1.id, "complete", 2000],
      [3, s2.id, "complete", 700],
    ]);
    const t = [s1, s2, s3].map((s) => Date.parse(s.started_at as string));
    assert.deepEqual([t[1] - t[0], t[2] - t[1]], [2000, 2000]);
    const calls = rows(b.store, "SELECT DISTINCT call_id FROM recordings");
    assert.equal(calls.length, 1);
    // Agents, partitions, metadata and participants carried over to every segment.
    for (const s of [s1, s2, s3]) {
      const id = s.id as string;
      const agents = rows(
        b.store,
        "SELECT agent_id FROM recording_agents WHERE recording_id=?",
        id,
      );
      assert.deepEqual(agents, [{ agent_id: "agent7" }]);
      const parts = rows(
        b.store,
        "SELECT partition FROM recording_partitions WHERE recording_id = ?",
        id,
      );
      assert.deepEqual(parts, [{ partition: "sales" }]);
      const ucid = rows(
        b.store,
        "SELECT value FROM recording_metadata WHERE recording_id = ? AND key = 'UCID'",
        id,
      );
      assert.deepEqual(ucid, [{ value: "ucid-long" }]);
      const who = rows(b.store, "SELECT count(*) AS n FROM participants WHERE recording_id=?", id);
      assert.deepEqual(who, [{ n: 2 }]);
    }
    // The call ended: no segment timer left behind.
    b.clock.advance(10_000);
    assert.equal(b.engine.calls.length, 4);
  },
});

Deno.test({
  name: "a pause running at a segment roll continues in the next segment",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using b = await setup(2);
    await b.recorder.started(SESSION);
    const { callId } = b.recorder.listActive()[0];
    b.clock.advance(1500);
    await b.recorder.pause(callId, { source: "agent", reasonCode: "card", userId: null });
    b.clock.advance(500);
    await until("segment 2", () => segments(b.store).length === 2 && !!segments(b.store)[0].ms);
    assert.equal(b.recorder.listActive()[0].paused, true);
    b.clock.advance(300);
    await b.recorder.resume(callId, { source: "agent", reasonCode: "card", userId: null });
    b.clock.advance(200);
    await b.recorder.ended("long", "bye");
    const [s1, s2] = segments(b.store);
    const pauses = (id: unknown) =>
      rows(
        b.store,
        "SELECT start_ms, end_ms, source, reason_code FROM pauses WHERE recording_id = ?",
        id as string,
      );
    assert.deepEqual(pauses(s1.id), [
      { start_ms: 1500, end_ms: 2000, source: "agent", reason_code: "card" },
    ]);
    assert.deepEqual(pauses(s2.id), [
      { start_ms: 0, end_ms: 300, source: "agent", reason_code: "card" },
    ]);
  },
});

Deno.test({
  name: "a call that ends as its segment is due ends in one segment, with no roll after",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using b = await setup(1);
    await b.recorder.started(SESSION);
    b.clock.advance(1000); // the roll starts (its directory is being made)…
    await b.recorder.ended("long", "bye"); // …and the BYE comes before it switched
    const all = segments(b.store);
    assert.deepEqual(all.map((s) => [s.segment, s.state, s.ms]), [[1, "complete", 1000]]);
    assert.deepEqual(b.engine.calls, [`open ${all[0].id}`, `close ${all[0].id}`]);
    assert.deepEqual(rows(b.store, "SELECT end_reason FROM calls"), [{ end_reason: "bye" }]);
  },
});
