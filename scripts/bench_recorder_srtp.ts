/**
 * Plain RTP next to SRTP from the same run: for each call count in `--calls` (a list),
 * scripts/bench_recorder.ts with the same duration and encoder settings — first plain RTP
 * over UDP SIP, then both legs SRTP (`--srtp`, SDES over SIP/TLS) — and the per-packet
 * decrypt cost from scripts/bench_srtp_packet.ts. Prints one JSON document.
 *
 *   deno run -A scripts/bench_recorder_srtp.ts [--calls 400,500,600,700] [--duration 60]
 *     [--complexity 0] [--suite AES_CM_128_HMAC_SHA1_80] [--rate 50] [--repeats 1]
 *     [--capture-nice=-10] [--sender-nice=same] [--max-sender-late-ms 1000]
 *
 * A mode holds a call count when every one of `--repeats` runs answered every call, lost
 * 0 packets, and its sender kept pace (p99 lateness at most `--max-sender-late-ms`: a
 * sender further behind offered less than the nominal load, because the two share this
 * machine's CPU). A mode's capacity is the largest count it held; once a mode fails a
 * count it is not run at larger ones. The runs are interleaved (plain, SRTP, next repeat
 * or count) so both see the same machine. The nice values go to bench_recorder.ts.
 * `capacityRatio` is SRTP capacity over plain capacity (the target is ≥ 0.85);
 * `cpuRatioEstimate` is plain server CPU per call over SRTP server CPU per call at the
 * largest count both held, a finer-grained view of the same question.
 */
import { parseArgs } from "node:util";
import { held, recorderArgs, runBenchScript } from "./_bench_child.ts";

/** Wall-clock budget of this case for `deno task bench` (two recorder runs and a micro-bench). */
export const TIMEOUT_SECONDS = 2400;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "400,500,600,700" },
    duration: { type: "string", default: "60" },
    complexity: { type: "string", default: "0" },
    suite: { type: "string", default: "AES_CM_128_HMAC_SHA1_80" },
    rate: { type: "string", default: "50" },
    repeats: { type: "string", default: "1" },
    "capture-nice": { type: "string", default: "-10" },
    "sender-nice": { type: "string", default: "same" },
    "max-sender-late-ms": { type: "string", default: "1000" },
  },
});
const REPEATS = Number(values.repeats), MAX_LATE_MS = Number(values["max-sender-late-ms"]);
if (!Number.isInteger(REPEATS) || REPEATS < 1) throw new RangeError("--repeats: a count ≥ 1");

interface RecorderRun {
  packets: {
    sent: number | null;
    received: number;
    missing: number | null;
    kernelRcvbufErrors?: number | null;
  };
  senderLateness?: { p99Ms: number };
  server: { cpuPerCallPercent: number; cpuPercentOfOneCore: number };
  sip: { answered: number; rejected: number; failed: number };
}

function summary(r: RecorderRun) {
  return {
    answered: r.sip.answered,
    missingPackets: r.packets.missing,
    kernelRcvbufErrors: r.packets.kernelRcvbufErrors ?? null,
    senderLatenessP99Ms: r.senderLateness?.p99Ms ?? null,
    lossPercent: r.packets.sent
      ? Math.round((r.packets.missing ?? 0) / r.packets.sent * 1e5) / 1e3
      : null,
    serverCpuPercentOfOneCore: r.server.cpuPercentOfOneCore,
    serverCpuPerCallPercent: r.server.cpuPerCallPercent,
  };
}

const counts = values.calls!.split(",").map((c) => {
  const n = Number(c);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--calls: "${c}" is not a call count`);
  return n;
}).sort((a, b) => a - b);

const modes = { plain: [] as string[], srtp: ["--srtp", values.suite!] };
const runs: {
  calls: number;
  mode: string;
  repeat: number;
  held: boolean;
  result: ReturnType<typeof summary>;
}[] = [];
const capacity: Record<string, number> = { plain: 0, srtp: 0 };
const stopped = new Set<string>();
const cpuSamples: Record<string, Map<number, number[]>> = { plain: new Map(), srtp: new Map() };
for (const calls of counts) {
  const failed = new Set<string>();
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const [mode, extra] of Object.entries(modes)) {
      if (stopped.has(mode) || failed.has(mode)) continue;
      const r = await runBenchScript<RecorderRun>(
        "bench_recorder.ts",
        recorderArgs(calls, values, [
          // "=" form: parseArgs would read a separate "-10" as an option.
          `--capture-nice=${values["capture-nice"]}`,
          `--sender-nice=${values["sender-nice"]}`,
          ...extra,
        ]),
      );
      const late = r.senderLateness?.p99Ms ?? Infinity;
      const ok = held(r) && late <= MAX_LATE_MS;
      const result = summary(r);
      runs.push({ calls, mode, repeat, held: ok, result });
      console.error(
        `${mode} ${calls} calls #${repeat + 1}: ${ok ? "held" : "failed"} ${
          JSON.stringify(result)
        }`,
      );
      if (!ok) failed.add(mode);
      else {
        const list = cpuSamples[mode].get(calls) ?? [];
        list.push(r.server.cpuPerCallPercent);
        cpuSamples[mode].set(calls, list);
      }
    }
  }
  for (const mode of Object.keys(modes)) {
    if (stopped.has(mode)) continue;
    if (failed.has(mode)) {
      stopped.add(mode);
      continue;
    }
    capacity[mode] = calls;
  }
}
const packet = await runBenchScript<Record<string, unknown>>("bench_srtp_packet.ts", ["50000"]);
const both = Math.min(capacity.plain, capacity.srtp);
/** Server CPU per call of `mode` at `calls`, the mean of its held runs. */
const meanCpu = (mode: string, calls: number) => {
  const list = cpuSamples[mode].get(calls)!;
  return list.reduce((a, b) => a + b, 0) / list.length;
};
const cpuRatio = both > 0 ? meanCpu("plain", both) / meanCpu("srtp", both) : NaN;
const round3 = (x: number) => Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null;
console.log(JSON.stringify(
  {
    bench: "recorder_srtp",
    callCounts: counts,
    durationS: Number(values.duration),
    complexity: Number(values.complexity),
    suite: values.suite,
    repeats: REPEATS,
    maxSenderLateMs: MAX_LATE_MS,
    nice: { capture: Number(values["capture-nice"]), sender: values["sender-nice"] },
    capacityCalls: capacity,
    /** The largest count tried held in this mode: its real capacity may be higher. */
    capacityIsLowerBound: {
      plain: !stopped.has("plain"),
      srtp: !stopped.has("srtp"),
    },
    capacityRatio: capacity.plain > 0 ? round3(capacity.srtp / capacity.plain) : null,
    cpuRatioEstimate: round3(cpuRatio),
    /** Per 160-byte packet on the capture path (srtp_cm.ts), less the copy every receive does. */
    decryptUsPerPacket: packet.cmDecryptUsPerPacket,
    /** The same through libsrtp2 (FFI), for comparison. */
    libsrtpDecryptUsPerPacket: packet.decryptUsPerPacket,
    runs,
    packet,
  },
  null,
  2,
));
