/**
 * The recorder on its own: a fake media engine and a fake clock, the real store (a temp
 * directory), audit log, channels, decision path and finalize. Pauses, the no-media
 * watchdog and transfers run on the fake clock, so nothing here sleeps.
 */
import assert from "node:assert/strict";
import { AuditLog } from "../audit/audit_log.ts";
import { resolveConfig } from "../config.ts";
import { migrate, openStore, type Store } from "../store/db.ts";
import { RecorderService, type RuleSource } from "./recorder_service.ts";
import { buildRuleSet } from "../rules/mod.ts";
import type { SessionInfo, SessionParticipant } from "./session.ts";
import { FakeEngine, FakeTimers, type LogLine, memoryLog } from "./recorder_test_util.ts";

const CUSTOMER: SessionParticipant = {
  id: "p1",
  aor: "sip:+15551230001@pbx.example",
  name: "Customer",
  sends: ["1"],
};
const AGENT_7: SessionParticipant = {
  id: "p2",
  aor: "sip:agent7@pbx.example",
  name: null,
  sends: ["2"],
};
const AGENT_9: SessionParticipant = {
  id: "p3",
  aor: "sip:agent9@pbx.example",
  name: null,
  sends: ["2"],
};

function session(key: string, agent = AGENT_7, agentId = "agent7"): SessionInfo {
  return {
    key,
    sessionId: `sess-${key}`,
    sipCallId: `${key}@src.example`,
    source: "siprec",
    streams: ["1", "2"].map((label, i) => ({
      label,
      port: 30000 + 2 * i,
      codecs: [{ pt: 0, name: "PCMU" as const, clockRate: 8000 }],
    })),
    participants: [CUSTOMER, agent],
    metadata: { AgentID: agentId, UCID: `ucid-${key}` },
  };
}

interface Box {
  recorder: RecorderService;
  engine: FakeEngine;
  clock: FakeTimers;
  store: Store;
  lines: LogLine[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** Rules that record every call in source mode (the customer side, through transfers). */
function sourceRules(): RuleSource {
  const built = buildRuleSet([{
    name: "source.yaml",
    text: "version: 1\nrules:\n  - id: all\n    then: {record: true, mode: source}\n",
  }]);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return { current: () => built.ruleSet };
}

async function box(rules: RuleSource | null = null): Promise<Box> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-recorder-" });
  const config = resolveConfig(
    {
      dataDir: dir,
      recorder: { recordAll: rules === null, maxPauseSeconds: 30 },
      rtp: { noMediaSeconds: 10 },
    },
    {},
    "recorder_service_test",
  );
  const store = openStore(`${dir}/selrec.db`);
  await migrate(store.db);
  const clock = new FakeTimers();
  const engine = new FakeEngine(clock);
  const lines: LogLine[] = [];
  const recorder = new RecorderService({
    config,
    store,
    audit: new AuditLog(store.db, { now: () => clock.now() }),
    log: memoryLog(lines),
    engine,
    rules,
    now: () => clock.now(),
    timers: clock,
  });
  await recorder.start();
  return {
    recorder,
    engine,
    clock,
    store,
    lines,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function rows(store: Store, sql: string, ...args: (string | number)[]): Record<string, unknown>[] {
  return store.raw.prepare(sql).all(...args).map((r) => ({ ...r }));
}

/** Waits (briefly, for real) until the audit log holds an entry with this action and reason. */
async function auditEntry(store: Store, action: string, reason: string) {
  const sql = "SELECT * FROM audit_events WHERE action = ? AND reason_code = ?";
  for (let i = 0; i < 200; i++) {
    const found = rows(store, sql, action, reason);
    if (found.length) return found[0];
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`no audit entry ${action} (${reason})`);
}

const TEST = { sanitizeOps: true, sanitizeResources: true };

Deno.test({
  ...TEST,
  name: "RecorderService resumes an agent's pause on its own after recorder.maxPauseSeconds",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("k1"));
    const call = b.recorder.activeCallForAgent("agent7")!;
    await b.recorder.pause(call.callId, { source: "agent", reasonCode: "card", userId: null });
    const paused = b.recorder.findActiveCall(call.callId)!;
    assert.equal(paused.paused, true);
    assert.equal(paused.autoResumeAt, new Date(b.clock.now().getTime() + 30_000).toISOString());
    assert.throws(
      () => b.recorder.pause(call.callId, { source: "agent", reasonCode: "card", userId: null }),
      /already paused/,
    );
    b.clock.advance(29_999);
    assert.equal(b.recorder.findActiveCall(call.callId)!.paused, true);
    b.clock.advance(1);
    assert.equal(b.recorder.findActiveCall(call.callId)!.paused, false);
    assert.deepEqual(b.engine.calls.filter((c) => !c.startsWith("open")), [
      `pause ${call.recordingId}`,
      `resume ${call.recordingId}`,
    ]);
    assert.ok(b.lines.some((l) => l.level === "warn" && /pause reached its maximum/.test(l.msg)));
    const audit = await auditEntry(b.store, "call.resume", "auto-resume");
    assert.equal(audit.target_id, call.callId);
    b.clock.advance(5_000);
    await b.recorder.ended("k1", "bye");
    const [pause] = rows(b.store, "SELECT * FROM pauses WHERE recording_id = ?", call.recordingId!);
    assert.deepEqual(
      [pause.source, pause.reason_code, pause.start_ms, pause.end_ms],
      ["agent", "card", 0, 30_000],
    );
    assert.equal(b.clock.pending, 0);
  },
});

Deno.test({
  ...TEST,
  name: "RecorderService keeps an SRC pause until the SRC resumes, and audits both",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("k1"));
    const call = b.recorder.findActiveCall("ucid-k1")!;
    const waiting = b.clock.pending;
    await b.recorder.srcPaused("k1");
    assert.equal(b.clock.pending, waiting, "an SRC pause sets no auto-resume timer");
    b.clock.advance(300_000);
    assert.equal(b.recorder.findActiveCall(call.callId)!.paused, true);
    await b.recorder.srcResumed("k1");
    assert.equal(b.recorder.findActiveCall(call.callId)!.paused, false);
    await auditEntry(b.store, "call.pause", "src-inactive");
    await auditEntry(b.store, "call.resume", "src-active");
    await b.recorder.ended("k1", "bye");
  },
});

Deno.test({
  ...TEST,
  name:
    "RecorderService flags a call with no media after rtp.noMediaSeconds and clears it on media",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("quiet"));
    await b.recorder.started(session("talking", AGENT_9, "agent9"));
    const quiet = b.recorder.activeCallForAgent("agent7")!;
    const talking = b.recorder.activeCallForAgent("agent9")!;
    b.clock.advance(5_000);
    b.engine.media(talking.recordingId!, "2");
    b.clock.advance(4_999);
    assert.equal(b.recorder.findActiveCall(quiet.callId)!.noMedia, false);
    b.clock.advance(1);
    assert.equal(b.recorder.findActiveCall(quiet.callId)!.noMedia, true);
    assert.equal(b.recorder.findActiveCall(talking.callId)!.noMedia, false);
    const noMedia = () => {
      const s = b.recorder.metrics().find((s) => s.name === "recordings_no_media_total")!;
      return "value" in s ? s.value : NaN;
    };
    assert.equal(noMedia(), 1);
    const warned = b.lines.filter((l) => l.level === "warn" && /^no media/.test(l.msg));
    assert.deepEqual(warned.map((l) => l.fields?.call), [quiet.callId]);
    b.engine.media(quiet.recordingId!, "1");
    assert.equal(b.recorder.findActiveCall(quiet.callId)!.noMedia, false);
    assert.ok(b.lines.some((l) => l.msg === "media arrived" && l.fields?.call === quiet.callId));
    assert.equal(noMedia(), 1, "the counter counts warnings, not calls without media now");
    await b.recorder.ended("quiet", "bye");
    await b.recorder.ended("talking", "bye");
    assert.equal(b.clock.pending, 0);
  },
});

Deno.test({
  ...TEST,
  name:
    "RecorderService asks the SIP side to hang up a call whose media never starts within rtp.inactivitySeconds",
  async fn() {
    // Issue 19: an ACKed session whose BYE was lost (no session timer, no RTP) stayed
    // `recording` for ever; media that never starts now ends the call like media that stops.
    await using b = await box();
    const hangups: string[] = [];
    b.recorder.onHangup((key, reason) => hangups.push(`${key}:${reason}`));
    await b.recorder.started(session("silent"));
    await b.recorder.started(session("talking", AGENT_9, "agent9"));
    const talking = b.recorder.activeCallForAgent("agent9")!;
    b.clock.advance(5_000);
    b.engine.media(talking.recordingId!, "1");
    b.clock.advance(54_999);
    assert.deepEqual(hangups, []);
    b.clock.advance(1);
    assert.deepEqual(hangups, ["silent:media-timeout"]);
    assert.ok(b.lines.some((l) => /^no media since the call started/.test(l.msg)));
    await b.recorder.ended("silent", "media-timeout");
    await b.recorder.ended("talking", "bye");
    assert.equal(b.clock.pending, 0);
    const states = rows(b.store, "SELECT state FROM recordings WHERE state = 'recording'");
    assert.deepEqual(states, []);
  },
});

Deno.test({
  ...TEST,
  name: "RecorderService ends a recording whose session ended while its start was still running",
  async fn() {
    // The SIP side can end a session (shutdown, a hangup) while `prepare` still binds
    // ports and writes rows: the end used to find no call, and the row stayed `recording`.
    await using b = await box();
    const starting = b.recorder.started(session("racing"));
    const ending = b.recorder.ended("racing", "shutdown");
    await Promise.all([starting, ending]);
    assert.equal(b.recorder.activeCount, 0);
    const recs = rows(b.store, "SELECT state FROM recordings");
    assert.equal(recs.length, 1);
    assert.notEqual(recs[0].state, "recording");
    const [call] = rows(b.store, "SELECT end_reason FROM calls");
    assert.equal(call.end_reason, "shutdown");
    assert.equal(b.clock.pending, 0);
  },
});

Deno.test({
  ...TEST,
  name: "RecorderService ends the watchdog with the call: no warning after an early BYE",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("short"));
    const call = b.recorder.findActiveCall("ucid-short")!;
    b.clock.advance(2_000);
    await b.recorder.ended("short", "bye");
    b.clock.advance(60_000);
    assert.ok(!b.lines.some((l) => /^no media/.test(l.msg)));
    const [rec] = rows(b.store, "SELECT * FROM recordings WHERE id = ?", call.recordingId!);
    assert.deepEqual([rec.state, rec.flag_no_media], ["complete", 1]);
  },
});

Deno.test({
  ...TEST,
  name:
    "RecorderService starts a new recording with the new participants on a metadata-only transfer",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("t1"));
    const before = b.recorder.findActiveCall("ucid-t1")!;
    b.engine.media(before.recordingId!, "1");
    b.clock.advance(20_000);
    // Same streams and ports; only the RFC 7865 metadata names another agent.
    await b.recorder.updated(session("t1", AGENT_9, "agent9"));
    const after = b.recorder.findActiveCall(before.callId)!;
    assert.notEqual(after.recordingId, before.recordingId);
    assert.equal(after.agentId, "agent9");
    assert.equal(b.recorder.activeCallForAgent("agent7"), null);
    assert.deepEqual(b.engine.calls, [
      `open ${before.recordingId}`,
      `close ${before.recordingId}`,
      `open ${after.recordingId}`,
    ]);
    const aors = (rec: string) =>
      rows(b.store, "SELECT aor FROM participants WHERE recording_id = ? ORDER BY aor", rec)
        .map((r) => r.aor);
    assert.deepEqual(aors(before.recordingId!), [CUSTOMER.aor, AGENT_7.aor]);
    assert.deepEqual(aors(after.recordingId!), [CUSTOMER.aor, AGENT_9.aor]);
    const [first] = rows(b.store, "SELECT * FROM recordings WHERE id = ?", before.recordingId!);
    assert.deepEqual([first.state, first.agent_id, first.duration_ms], [
      "complete",
      "agent7",
      20_000,
    ]);
    const origins = rows(
      b.store,
      "SELECT origin FROM rule_decisions WHERE call_id = ?",
      before.callId,
    )
      .map((r) => r.origin);
    assert.deepEqual(origins.sort(), ["siprec", "update"]);
    await b.recorder.ended("t1", "bye");
    const recs = rows(b.store, "SELECT state FROM recordings WHERE call_id = ?", before.callId);
    assert.deepEqual(recs.map((r) => r.state), ["complete", "complete"]);
  },
});

Deno.test({
  ...TEST,
  name: "RecorderService keeps one recording through a source-mode transfer and adds the new agent",
  async fn() {
    await using b = await box(sourceRules());
    await b.recorder.started(session("s1"));
    const call = b.recorder.findActiveCall("ucid-s1")!;
    const rec = call.recordingId!;
    b.clock.advance(30_000);
    await b.recorder.updated(session("s1", AGENT_9, "agent9"));
    assert.equal(b.recorder.findActiveCall(call.callId)!.recordingId, rec, "same recording");
    assert.equal(b.recorder.activeCallForAgent("agent9")?.callId, call.callId);
    const people = rows(
      b.store,
      "SELECT participant_key, role, channel, joined_ms, left_ms FROM participants " +
        "WHERE recording_id = ? ORDER BY joined_ms, participant_key",
      rec,
    );
    assert.deepEqual(people, [
      { participant_key: "p1", role: "customer", channel: 0, joined_ms: 0, left_ms: null },
      { participant_key: "p2", role: "agent", channel: 1, joined_ms: 0, left_ms: 30_000 },
      { participant_key: "p3", role: "agent", channel: 1, joined_ms: 30_000, left_ms: null },
    ]);
    const agents = rows(
      b.store,
      "SELECT agent_id, joined_ms, left_ms FROM recording_agents WHERE recording_id = ? " +
        "ORDER BY joined_ms",
      rec,
    );
    assert.deepEqual(agents, [
      { agent_id: "agent7", joined_ms: 0, left_ms: 30_000 },
      { agent_id: "agent9", joined_ms: 30_000, left_ms: null },
    ]);
    await b.recorder.ended("s1", "bye");
  },
});

Deno.test({
  ...TEST,
  name: "RecorderService passes a re-offer with the same participants to the engine as an update",
  async fn() {
    await using b = await box();
    await b.recorder.started(session("u1"));
    const call = b.recorder.findActiveCall("ucid-u1")!;
    const reoffer = session("u1");
    reoffer.streams[1] = { ...reoffer.streams[1], port: 30010 };
    await b.recorder.updated(reoffer);
    assert.deepEqual(b.engine.calls, [`open ${call.recordingId}`, `update ${call.recordingId}`]);
    const rec = b.engine.recordings.get(call.recordingId!)!;
    assert.deepEqual(rec.streams.map((s) => s.port), [30000, 30010]);
    assert.equal(b.recorder.findActiveCall(call.callId)!.recordingId, call.recordingId);
    await b.recorder.ended("u1", "bye");
  },
});
