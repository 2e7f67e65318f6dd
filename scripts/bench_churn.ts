/**
 * Churn soak: the real `selrec serve` takes N short SIPREC calls (INVITE, ACK, a few
 * RTP packets per leg, BYE; recorded), then M fuzzed SIP messages, then sits idle.
 * Its RSS (the whole process: main thread and every worker) is sampled every minute
 * and at milestones: after the first 1,000 calls, after the load, after the idle.
 * The soak passes when the last sample is within 10 % of the one after 1,000 calls.
 * Prints JSON.
 *
 *   deno run -A scripts/bench_churn.ts [--calls 20000] [--fuzz 100000] [--idle 60]
 *     [--rate 50] [--media 0.1] [--batch 1000] [--keep] [--v8-flags --expose-gc]
 * --v8-flags "" runs the server without the box's V8 flags (to measure their effect).
 * The per-source INVITE limit is off (all calls come from one address); the RTP range
 * 14000–17999 stays clear of the integration tests' 20000–29999.
 */
import { parseArgs } from "node:util";
import { loadCorpus } from "../src/sim/fuzz_mutate.ts";
import { runFuzz } from "../src/sim/fuzz_sip.ts";
import { runSimulation } from "../src/sim/simulate.ts";
import { query } from "../tests/helpers/db.ts";
import { BOX_V8_FLAGS, recordEverythingRules, startServer } from "../tests/helpers/server.ts";

/** 20,000 calls at 50/s, 100,000 fuzzed messages and the idle take 12-20 min here. */
export const TIMEOUT_SECONDS = 1500;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "20000" },
    fuzz: { type: "string", default: "100000" },
    idle: { type: "string", default: "60" },
    rate: { type: "string", default: "50" },
    media: { type: "string", default: "0.1" },
    batch: { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    "v8-flags": { type: "string", default: BOX_V8_FLAGS },
  },
});
const CALLS = Number(values.calls), FUZZ = Number(values.fuzz), IDLE_S = Number(values.idle);
const BATCH = Number(values.batch), RATE = Number(values.rate), MEDIA_S = Number(values.media);
const TOLERANCE = 0.1;

/** Resident memory of a process in MiB, split into anonymous and file-backed pages. */
function rss(pid: number): { rssMiB: number; anonMiB: number; fileMiB: number; threads: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  const mib = (k: string) => Math.round(kb(k) / 102.4) / 10;
  return {
    rssMiB: mib("VmRSS"),
    anonMiB: mib("RssAnon"),
    fileMiB: mib("RssFile"),
    threads: kb("Threads"),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rules = await recordEverythingRules();
const configFile = await Deno.makeTempFile({ prefix: "selrec-churn-", suffix: ".yaml" });
await Deno.writeTextFile(configFile, "sip: { invitesPerSecondPerSource: 0, maxSessions: 4000 }\n");
const server = await startServer({
  env: { SELREC_RULES_DIR: rules, SELREC_LOG_LEVEL: "warn" },
  rtpPorts: "14000-17999",
  configFile,
  v8Flags: values["v8-flags"],
});
const pid = server.process.pid;
const t0 = performance.now();
const elapsedS = () => Math.round((performance.now() - t0) / 1000);
type Sample = ReturnType<typeof rss> & { atS: number; phase: string; calls: number };
const samples: Sample[] = [];
let phase = "calls", callsDone = 0;
const sample = (what = phase) => {
  const s = { atS: elapsedS(), phase: what, calls: callsDone, ...rss(pid) };
  samples.push(s);
  console.error(`churn: ${JSON.stringify(s)}`);
  return s;
};
const minute = setInterval(() => sample(), 60_000);
const start = sample("start");

/** Waits until no recording is still being written (encoders caught up). */
async function settled(ms = 30_000): Promise<void> {
  const db = `${server.dataDir}/selrec.db`;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = query<{ n: number }>(
      db,
      "SELECT count(*) AS n FROM recordings WHERE state = 'recording'",
    );
    if (open[0].n === 0) return;
    await sleep(250);
  }
}

const sip = { answered: 0, rejected: 0, failed: 0, byeOk: 0 };
let after1000: Sample | null = null;
let fuzz = null;
try {
  for (let b = 0; callsDone < CALLS; b++) {
    const n = Math.min(CALLS - callsDone, callsDone < 1000 ? 1000 - callsDone : BATCH);
    const r = await runSimulation({
      target: `127.0.0.1:${server.sipPort}`,
      calls: n,
      rate: RATE,
      duration: MEDIA_S,
      seed: b + 1,
      conversations: 1,
      clipSeconds: 2,
    });
    for (const k of Object.keys(sip) as (keyof typeof sip)[]) sip[k] += r.totals[k];
    callsDone += n;
    if (callsDone === 1000 || (after1000 === null && callsDone >= 1000)) {
      await settled();
      after1000 = sample("after 1000 calls");
    }
  }
  await settled();
  phase = "fuzz";
  if (FUZZ > 0) {
    fuzz = await runFuzz({
      hostname: "127.0.0.1",
      port: server.sipPort,
      count: FUZZ,
      seed: 19,
      corpus: await loadCorpus(new URL("../tests/fixtures/siprec/", import.meta.url)),
      checkEvery: 5000,
      healthUrl: `${server.httpUrl}/healthz`,
    });
  }
  await settled();
  const afterLoad = sample("after load");
  phase = "idle";
  await sleep(IDLE_S * 1000);
  const afterIdle = sample("after idle");
  clearInterval(minute);
  const base = after1000 ?? start;
  const growth = (afterIdle.rssMiB - base.rssMiB) / base.rssMiB;
  const recs = query<{ state: string; n: number }>(
    `${server.dataDir}/selrec.db`,
    "SELECT state, count(*) AS n FROM recordings GROUP BY state",
  );
  const { machineFacts } = await import("./bench.ts");
  console.log(JSON.stringify(
    {
      bench: "churn",
      calls: CALLS,
      mediaSecondsPerCall: MEDIA_S,
      rate: RATE,
      fuzzMessages: FUZZ,
      idleS: IDLE_S,
      v8Flags: values["v8-flags"],
      sip,
      recordings: Object.fromEntries(recs.map((r) => [r.state, r.n])),
      fuzz: fuzz && {
        sent: fuzz.sent,
        responses: fuzz.responses,
        acceptedInvites: fuzz.acceptedInvites,
        liveness: fuzz.liveness,
      },
      rss: {
        startMiB: start.rssMiB,
        after1000CallsMiB: base.rssMiB,
        afterLoadMiB: afterLoad.rssMiB,
        afterIdleMiB: afterIdle.rssMiB,
        growthPercent: Math.round(growth * 1000) / 10,
        withinTolerance: growth <= TOLERANCE,
      },
      samples,
      serverErrorLines: server.output().split("\n").filter((l) => l.includes('"level":"error"'))
        .length,
      machine: await machineFacts(),
    },
    null,
    2,
  ));
} finally {
  clearInterval(minute);
  await server.stop();
  if (values.keep) console.error(`kept ${server.dataDir}`);
  else await Deno.remove(server.dataDir, { recursive: true }).catch(() => {});
  await Deno.remove(rules, { recursive: true });
  await Deno.remove(configFile);
}
