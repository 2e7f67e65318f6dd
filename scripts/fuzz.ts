/**
 * `deno task fuzz`: seeded SIP fuzzing of the real server (src/sim/fuzz_sip.ts).
 * Without --target it starts `selrec serve` on free loopback ports and a temp data
 * dir, fuzzes it, checks that it is alive and still records a normal call, and stops
 * it. Prints one JSON report; exits 1 when the server failed a check or died.
 *
 *   deno task fuzz [--count 10000] [--seed 1] [--tcp-share 0.3]
 *     [--target 127.0.0.1:5060 --health http://127.0.0.1:8080/healthz]
 * Only point --target at a server you run yourself.
 */
import { parseArgs } from "node:util";
import { loadCorpus } from "../src/sim/fuzz_mutate.ts";
import { runFuzz } from "../src/sim/fuzz_sip.ts";
import { runSimulation } from "../src/sim/simulate.ts";
import { recordEverythingRules, startServer, type TestServer } from "../tests/helpers/server.ts";

const CORPUS = new URL("../tests/fixtures/siprec/", import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: "1" },
    "tcp-share": { type: "string", default: "0.3" },
    target: { type: "string" },
    health: { type: "string" },
  },
});

let server: TestServer | null = null;
let rules: string | null = null;
let host = "127.0.0.1", port = 0, health = values.health;
if (values.target) {
  const m = /^(.+):(\d+)$/.exec(values.target);
  if (!m) throw new SyntaxError(`Cannot parse --target "${values.target}": expected HOST:PORT`);
  [host, port] = [m[1], Number(m[2])];
} else {
  rules = await recordEverythingRules();
  server = await startServer({
    env: { SELREC_RULES_DIR: rules, SELREC_LOG_LEVEL: "warn" },
    rtpPorts: "20000-21999",
  });
  port = server.sipPort;
  health = `${server.httpUrl}/healthz`;
}

let exitCode = 0;
try {
  const report = await runFuzz({
    hostname: host,
    port,
    count: Number(values.count),
    seed: Number(values.seed),
    tcpShare: Number(values["tcp-share"]),
    corpus: await loadCorpus(CORPUS),
    healthUrl: health,
  });
  let callAfter: string | null = null;
  if (server) {
    const sim = await runSimulation({
      target: `127.0.0.1:${port}`,
      calls: 1,
      rate: 1,
      duration: 1,
      conversations: 1,
      clipSeconds: 2,
    });
    callAfter = sim.totals.answered === 1 && sim.totals.byeOk === 1 ? "recorded" : "failed";
  }
  if (report.liveness.failures.length > 0 || callAfter === "failed") exitCode = 1;
  const errors = server?.output().split("\n").filter((l) => l.includes('"level":"error"')) ?? [];
  console.log(JSON.stringify(
    { ...report, callAfter, serverErrorLines: errors.length, firstErrors: errors.slice(0, 5) },
    null,
    2,
  ));
} finally {
  if (server) {
    await server.stop();
    await Deno.remove(server.dataDir, { recursive: true }).catch(() => {});
  }
  if (rules) await Deno.remove(rules, { recursive: true });
}
Deno.exit(exitCode);
