/**
 * The real `selrec serve` with its storage service: when the spool is critical
 * (here: a reserve larger than any disk), a new SIPREC INVITE gets 503 + Retry-After
 * from sipp's point of view, the box stays healthy, and /metrics reports the level.
 */
import assert from "node:assert/strict";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { runSipp } from "../helpers/sipp.ts";

Deno.test({
  name: "serve refuses new recordings with 503 + Retry-After while storage is critical",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const dir = await Deno.makeTempDir();
    const config = `${dir}/selrec.yaml`;
    await Deno.writeTextFile(config, "storage:\n  reserveBytes: 1000000000000000\n");
    const server = await startServer({ configFile: config, env: { SELREC_RULES_DIR: rules } });
    try {
      for (const transport of ["udp", "tcp"] as const) {
        const r = await runSipp({
          scenario: "invite_503.xml",
          port: server.sipPort,
          transport,
          cwd: server.dataDir,
        });
        assert.equal(r.code, 0, r.text.slice(-2000));
      }
      const health = await fetch(`${server.httpUrl}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const lines = server.output().split("\n").filter((l) => l.startsWith("{")).map((l) =>
        JSON.parse(l)
      );
      assert.ok(
        lines.some((l) => l.msg === "storage watermark" && l.to === "critical"),
        "the level change is logged",
      );
    } finally {
      await server.stop();
      for (const d of [server.dataDir, rules, dir]) await Deno.remove(d, { recursive: true });
    }
  },
});
