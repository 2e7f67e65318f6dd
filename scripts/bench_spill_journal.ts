/**
 * The capture worker's cost of spilling: N recordings' spill journals each get one
 * 250 ms batch (8 kHz stereo, µ-law in the journal) per simulated tick, faster than real
 * time on a fake clock, then a replay; plain and sealed journals. Reports the CPU time
 * of this (the JS) thread per second of spilled audio per recording, the part of the
 * capture thread's budget spilling takes; file I/O runs on Deno's I/O threads and is
 * not counted. Prints JSON.
 *
 *   deno run -A scripts/bench_spill_journal.ts [--recordings 200] [--seconds 20] [--runs 3]
 */
import { parseArgs } from "node:util";
import { SpillJournal } from "../src/recorder/spill_journal.ts";
import type { FileSeal } from "../src/recorder/file_seal.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    recordings: { type: "string", default: "200" },
    seconds: { type: "string", default: "20" },
    runs: { type: "string", default: "3" },
  },
});
const RECORDINGS = Number(values.recordings), SECONDS = Number(values.seconds);
const TICK_MS = 250, FRAMES = 8000 * TICK_MS / 1000;

/** CPU milliseconds (user + system) of the calling thread so far. */
function threadCpuMs(): number {
  const tid = Deno.readLinkSync("/proc/thread-self").split("/").pop();
  const stat = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function run(sealed: boolean): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-bench-spill-" });
  const seal: FileSeal = {
    keyId: "kek-bench",
    wrappedKey: new Uint8Array(60),
    dataKey: crypto.getRandomValues(new Uint8Array(32)),
    chunkBytes: 65536,
    syncIntervalMs: 500,
  };
  let now = 0;
  const journals = Array.from({ length: RECORDINGS }, (_, i) =>
    new SpillJournal({
      rec: `r${i}`,
      path: `${dir}/r${i}.ogg.journal`,
      send: () => {},
      syncIntervalMs: 2000,
      now: () => now,
      ...(sealed ? { seal } : {}),
    }));
  const tone = new Int16Array(FRAMES * 2).map((_, i) => Math.round(8000 * Math.sin(i / 7)));
  const cpu0 = threadCpuMs();
  for (let t = 0; t < SECONDS * 1000; t += TICK_MS) {
    now = t;
    for (const j of journals) j.append(tone.slice());
    await Promise.all(journals.map((j) => j.settled()));
  }
  for (const j of journals) {
    j.replay();
    j.close();
  }
  await Promise.all(journals.map((j) => j.settled()));
  const cpuMs = threadCpuMs() - cpu0;
  await Deno.remove(dir, { recursive: true });
  return cpuMs / (RECORDINGS * SECONDS);
}

const runs = Number(values.runs);
const result: Record<string, number[]> = { plain: [], sealed: [] };
for (let r = 0; r < runs; r++) {
  result.plain.push(await run(false));
  result.sealed.push(await run(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify(
  {
    bench: "spill_journal",
    recordings: RECORDINGS,
    audioSecondsEach: SECONDS,
    /** Capture-thread CPU ms per second of spilled audio per recording (median of runs). */
    threadCpuMsPerSpilledSecond: {
      plain: round(median(result.plain)),
      sealed: round(median(result.sealed)),
    },
    runs: { plain: result.plain.map(round), sealed: result.sealed.map(round) },
  },
  null,
  2,
));
