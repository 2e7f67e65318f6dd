/**
 * /metrics on the real server, scraped with a user-less `metrics` token made by the CLI:
 * process_* figures, SIP transaction histogram and responses by code, per-stream jitter
 * histogram, spool use apart from filesystem use. Histograms are checked cumulative.
 */
import assert from "node:assert/strict";
import { runSimulation } from "../../src/sim/simulate.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { addApiToken } from "../helpers/api_token.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

Deno.test({
  name: "a metrics token scrapes process, SIP histogram, jitter and storage figures",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    await using server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    try {
      const report = await runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: 3,
        rate: 10,
        duration: 2,
        seed: 3,
        tones: true,
        conversations: 1,
        clipSeconds: 2,
      });
      assertAnswered(report, 3);
      const { token } = await addApiToken(server.dataDir, { name: "prom", scope: "metrics" });
      let text = "";
      const deadline = Date.now() + 15_000;
      // Recordings finish a moment after the BYE; the storage snapshot comes with the loop.
      while (Date.now() < deadline) {
        const res = await fetch(`${server.httpUrl}/metrics`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 200);
        text = await res.text();
        if (/^selrec_rtp_stream_jitter_milliseconds_count 6$/m.test(text)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const value = (re: RegExp) => Number(re.exec(text)?.[1]);
      assert.ok(value(/^process_resident_memory_bytes (\S+)$/m) > 10_000_000, text);
      assert.ok(value(/^process_open_fds (\S+)$/m) > 10);
      assert.ok(value(/^process_cpu_seconds_total (\S+)$/m) > 0);
      assert.equal(value(/^selrec_sip_transaction_seconds_count\{method="INVITE"\} (\S+)$/m), 3);
      assert.equal(value(/^selrec_sip_responses_total\{method="INVITE",code="200"\} (\S+)$/m), 3);
      assert.equal(value(/^selrec_sip_responses_total\{method="BYE",code="200"\} (\S+)$/m), 3);
      assert.equal(value(/^selrec_rtp_stream_jitter_milliseconds_count (\S+)$/m), 6, text);
      for (
        const name of ["selrec_sip_transaction_seconds", "selrec_rtp_stream_jitter_milliseconds"]
      ) {
        // One series per label set (le aside): cumulative, and +Inf equals _count.
        const series = new Map<string, number[]>();
        const bucket = new RegExp(`^${name}_bucket\\{(.*?),?le="[^"]+"\\} (\\S+)$`, "gm");
        for (const m of text.matchAll(bucket)) {
          series.set(m[1], [...(series.get(m[1]) ?? []), Number(m[2])]);
        }
        assert.ok(series.size > 0, name);
        for (const [labels, counts] of series) {
          const where = `${name}{${labels}}`;
          assert.ok(counts.every((c, i) => i === 0 || c >= counts[i - 1]), `${where} cumulative`);
          const total = new RegExp(`^${name}_count${labels ? `\\{${labels}\\}` : ""} (\\S+)$`, "m");
          assert.equal(counts.at(-1), value(total), `${where}: +Inf equals _count`);
        }
      }
      assert.match(text, /^selrec_storage_used_bytes \d+$/m);
      assert.match(text, /^selrec_storage_filesystem_used_bytes \d+$/m);
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
