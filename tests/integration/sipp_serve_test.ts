/**
 * The SIPREC scenarios against the real `selrec serve` process (not only the in-process
 * SRS): over UDP and TCP, OPTIONS is answered 200, a SIPREC call with an SRC pause runs
 * to BYE, a malformed INVITE gets 400 and the next valid call still succeeds; while
 * draining (SIGTERM), OPTIONS gets 503 so SBCs fail over.
 */
import assert from "node:assert/strict";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { runSipp } from "../helpers/sipp.ts";

for (const transport of ["udp", "tcp"] as const) {
  Deno.test({
    name:
      `selrec serve over ${transport}: OPTIONS, a SIPREC call, a malformed INVITE then a good call`,
    sanitizeResources: true,
    sanitizeOps: true,
    async fn() {
      const rules = await recordEverythingRules();
      const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
      try {
        for (
          const scenario of [
            "options.xml",
            "siprec_call.xml",
            "malformed_invite.xml",
            "siprec_call.xml",
          ]
        ) {
          const r = await runSipp({
            scenario,
            port: server.sipPort,
            transport,
            cwd: server.dataDir,
          });
          assert.equal(r.code, 0, `${scenario} over ${transport}:\n${r.text.slice(-2000)}`);
        }
        const health = await fetch(`${server.httpUrl}/healthz`);
        assert.equal(health.status, 200, "the box is still healthy after bad input");
        await health.body?.cancel();
      } finally {
        await server.stop();
        await Deno.remove(server.dataDir, { recursive: true });
        await Deno.remove(rules, { recursive: true });
      }
    },
  });
}
