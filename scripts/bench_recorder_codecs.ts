/**
 * Recorder capacity per RTP codec (issue 14): for each codec in `--codecs` and each call
 * count in `--calls` (a list), scripts/bench_recorder.ts with both legs of every call in
 * that codec, the same duration and encoder settings. G.711 and G.729 calls are recorded
 * at 8 kHz, G.722 calls at 16 kHz (recorder.maxSampleRate 16000, the default). Prints one
 * JSON document: per codec the largest count recorded with every call answered and 0
 * packets lost, the server CPU, and bytes per recorded minute at each rate. The decode
 * cost per packet of each codec is scripts/bench_codecs.ts (its own case).
 *
 *   deno run -A scripts/bench_recorder_codecs.ts [--calls 300,400,500] [--duration 60]
 *     [--codecs pcmu,g722,g729] [--complexity 0] [--rate 50]
 *
 * Once a codec loses at a count it is not run at larger ones; the runs are interleaved
 * (every codec at one count, then the next count) so all codecs see the same machine.
 */
import { parseArgs } from "node:util";
import { held, recorderArgs, runBenchScript } from "./_bench_child.ts";

/** Wall-clock budget of this case for `deno task bench` (up to nine recorder runs). */
export const TIMEOUT_SECONDS = 2400;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "300,400,500" },
    duration: { type: "string", default: "60" },
    codecs: { type: "string", default: "pcmu,g722,g729" },
    complexity: { type: "string", default: "0" },
    rate: { type: "string", default: "50" },
  },
});

interface RecorderRun {
  packets: { sent: number | null; received: number; missing: number | null };
  server: { cpuPerCallPercent: number; cpuPercentOfOneCore: number };
  sip: { answered: number; rejected: number; failed: number };
  encoder: Record<string, unknown> & { sampleRate: number | number[] };
  recordings: { count: number; bytesPerMinute: number | null; finalizedAfterS: number };
}

const counts = values.calls!.split(",").map((c) => {
  const n = Number(c);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--calls: "${c}" is not a call count`);
  return n;
}).sort((a, b) => a - b);
const codecs = values.codecs!.split(",");
for (const c of codecs) {
  if (!["pcmu", "g722", "g729"].includes(c)) {
    throw new RangeError(`--codecs: "${c}" is not pcmu, g722 or g729`);
  }
}

const runs: Record<string, unknown>[] = [];
const capacity: Record<string, number> = {};
const stopped = new Set<string>();
const bytesPerMinuteAt: Record<string, number> = {};
let encoder: Record<string, unknown> | null = null;
for (const calls of counts) {
  for (const codec of codecs) {
    if (stopped.has(codec)) continue;
    const r = await runBenchScript<RecorderRun>(
      "bench_recorder.ts",
      recorderArgs(calls, values, ["--codec", codec]),
    );
    const summary = {
      codec,
      calls,
      sampleRate: r.encoder.sampleRate,
      answered: r.sip.answered,
      missingPackets: r.packets.missing,
      serverCpuPercentOfOneCore: r.server.cpuPercentOfOneCore,
      serverCpuPerCallPercent: r.server.cpuPerCallPercent,
      bytesPerMinute: r.recordings.bytesPerMinute,
      finalizedAfterS: r.recordings.finalizedAfterS,
    };
    runs.push(summary);
    console.error(JSON.stringify(summary));
    encoder ??= { ...r.encoder, sampleRate: undefined };
    if (typeof r.encoder.sampleRate === "number" && r.recordings.bytesPerMinute !== null) {
      bytesPerMinuteAt[`${r.encoder.sampleRate / 1000}kHz`] ??= r.recordings.bytesPerMinute;
    }
    capacity[codec] ??= 0;
    if (held(r)) capacity[codec] = calls;
    else stopped.add(codec);
  }
}
console.log(JSON.stringify(
  {
    bench: "recorder_codecs",
    callCounts: counts,
    durationS: Number(values.duration),
    /** Opus settings of every run (the rate is the recording's: see runs). */
    encoder,
    /** Largest count per codec with every call answered and 0 packets lost. */
    capacityCalls: capacity,
    /** The largest count tried held for this codec: its real capacity may be higher. */
    capacityIsLowerBound: Object.fromEntries(codecs.map((c) => [c, !stopped.has(c)])),
    bytesPerRecordedMinute: bytesPerMinuteAt,
    runs,
  },
  null,
  2,
));
