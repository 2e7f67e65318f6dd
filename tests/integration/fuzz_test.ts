/**
 * A short seeded fuzzing round (src/sim/fuzz_sip.ts) against the real `selrec serve`:
 * 2,000 mutated SIP messages over UDP and TCP, starting from the vendor SIPREC corpus.
 * The server must keep answering OPTIONS and /healthz throughout, and still record a
 * normal call afterwards. `deno task fuzz` runs longer rounds.
 */
import assert from "node:assert/strict";
import { loadCorpus } from "../../src/sim/fuzz_mutate.ts";
import { runFuzz } from "../../src/sim/fuzz_sip.ts";
import { runSimulation } from "../../src/sim/simulate.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";

const CORPUS = new URL("../fixtures/siprec/", import.meta.url);

Deno.test({
  name: "the server survives 2,000 fuzzed SIP messages and then records a normal call",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const rules = await recordEverythingRules();
    await using server = await startServer({
      env: { SELREC_RULES_DIR: rules, SELREC_LOG_LEVEL: "info" },
    });
    const report = await runFuzz({
      hostname: "127.0.0.1",
      port: server.sipPort,
      count: 2000,
      seed: 19,
      corpus: await loadCorpus(CORPUS),
      checkEvery: 500,
      healthUrl: `${server.httpUrl}/healthz`,
    });
    assert.deepEqual(report.liveness.failures, []);
    assert.ok(report.liveness.checks >= 4, `checks ${report.liveness.checks}`);
    assert.ok(report.sent.udp > 0 && report.sent.tcp > 0, JSON.stringify(report.sent));
    // Malformed requests that can be answered are answered, not silently dropped.
    assert.ok((report.responses["4xx"] ?? 0) > 50, JSON.stringify(report.statuses));

    const db = `${server.dataDir}/selrec.db`;
    const before = query<{ n: number }>(db, "SELECT count(*) AS n FROM recordings")[0].n;
    const sim = await runSimulation({
      target: `127.0.0.1:${server.sipPort}`,
      calls: 1,
      rate: 1,
      duration: 1,
      seed: 7,
      conversations: 1,
      clipSeconds: 2,
    });
    assert.equal(sim.totals.answered, 1);
    assert.equal(sim.totals.byeOk, 1);
    const callId = sim.calls[0].callId;
    const row = await waitFor(
      "the call's finished recording",
      () =>
        query<{ state: string; duration_ms: number }>(
          db,
          `SELECT r.state, r.duration_ms FROM recordings r JOIN calls c ON c.id = r.call_id
         WHERE c.sip_call_id = ? AND r.state = 'complete'`,
          callId,
        )[0],
    );
    assert.ok(row.duration_ms >= 800, `duration ${row.duration_ms}`);
    assert.ok(
      query<{ n: number }>(db, "SELECT count(*) AS n FROM recordings")[0].n > before,
    );
    assert.equal(await server.stop(), 0);
    await Deno.remove(server.dataDir, { recursive: true });
    await Deno.remove(rules, { recursive: true });
  },
});
