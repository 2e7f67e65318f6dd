/**
 * The SIPREC scenarios against the real `selrec serve` process (not only the in-process
 * SRS): over UDP and TCP, OPTIONS is answered 200, a SIPREC call with an SRC pause runs
 * to BYE, a malformed INVITE gets 400 and the next valid call still succeeds; while
 * draining (SIGTERM), OPTIONS gets 503 so SBCs fail over.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { freeSipPort } from "../helpers/ports.ts";

const SCENARIOS = fileURLToPath(new URL("../fixtures/sipp/", import.meta.url));

async function sipp(scenario: string, port: number, transport: "udp" | "tcp", cwd: string) {
  const out = await new Deno.Command("sipp", {
    args: [
      `127.0.0.1:${port}`,
      "-sf",
      SCENARIOS + scenario,
      "-m",
      "1",
      "-i",
      "127.0.0.1",
      "-p",
      String(freeSipPort()),
      "-nostdin",
      "-timeout",
      "30s",
      "-timeout_error",
      "-nd",
      ...(transport === "tcp" ? ["-t", "t1"] : []),
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

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
          const r = await sipp(scenario, server.sipPort, transport, server.dataDir);
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
