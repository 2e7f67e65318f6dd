/**
 * A plain fork (an INVITE without SIPREC) is stored as a fork: its call row has source
 * `fork` and its decision origin `fork`, while a SIPREC call's stays `siprec`.
 */
import assert from "node:assert/strict";
import { AuditLog } from "../audit/audit_log.ts";
import { resolveConfig } from "../config.ts";
import { migrate, openStore } from "../store/db.ts";
import { RecorderService } from "./recorder_service.ts";
import type { SessionInfo } from "./session.ts";
import { FakeEngine, FakeTimers, type LogLine, memoryLog } from "./recorder_test_util.ts";

function session(key: string, source: SessionInfo["source"]): SessionInfo {
  return {
    key,
    sessionId: key,
    sipCallId: `${key}@pbx.example`,
    source,
    streams: [{ label: "1", port: 30000, codecs: [{ pt: 0, name: "PCMU", clockRate: 8000 }] }],
    participants: [{ id: "p1", aor: "sip:+15550001@pbx.example", name: null, sends: ["1"] }],
    metadata: {},
  };
}

Deno.test({
  name: "a plain fork's call and decision are stored with source and origin fork",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-fork-" });
    const config = resolveConfig({ dataDir: dir, recorder: { recordAll: true } }, {}, "t");
    await using store = openStore(`${dir}/selrec.db`);
    await migrate(store.db);
    const clock = new FakeTimers();
    const lines: LogLine[] = [];
    const recorder = new RecorderService({
      config,
      store,
      audit: new AuditLog(store.db, { now: () => clock.now() }),
      log: memoryLog(lines),
      engine: new FakeEngine(clock),
      rules: null,
      now: () => clock.now(),
      timers: clock,
    });
    await recorder.start();
    await recorder.started(session("fork-1", "fork"));
    await recorder.started(session("siprec-1", "siprec"));
    await recorder.ended("fork-1", "bye");
    await recorder.ended("siprec-1", "bye");
    const got = store.raw.prepare(
      `SELECT c.sip_call_id AS call, c.source, d.origin FROM calls c
       JOIN rule_decisions d ON d.call_id = c.id ORDER BY c.sip_call_id`,
    ).all().map((r) => `${r.call} ${r.source} ${r.origin}`);
    assert.deepEqual(got, [
      "fork-1@pbx.example fork fork",
      "siprec-1@pbx.example siprec siprec",
    ]);
    await recorder.stop();
    await Deno.remove(dir, { recursive: true });
  },
});
