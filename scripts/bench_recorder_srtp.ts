/**
 * Plain RTP next to SRTP from the same run: scripts/bench_recorder.ts twice with the same
 * calls, duration and encoder settings — first plain RTP over UDP SIP, then both legs
 * SRTP (`--srtp`, SDES over SIP/TLS) — and the per-packet decrypt cost from
 * scripts/bench_srtp_packet.ts. Prints one JSON document.
 *
 *   deno run -A scripts/bench_recorder_srtp.ts [--calls 700] [--duration 60]
 *     [--complexity 0] [--suite AES_CM_128_HMAC_SHA1_80] [--rate 50]
 *
 * `capacityRatioEstimate` is plain server CPU per call over SRTP server CPU per call:
 * what SRTP capacity is as a share of plain capacity while the server is CPU-bound. Each
 * run's loss at the same call count is there to check both held.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

/** Wall-clock budget of this case for `deno task bench` (two recorder runs and a micro-bench). */
export const TIMEOUT_SECONDS = 1800;

const HERE = fileURLToPath(new URL("./", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "700" },
    duration: { type: "string", default: "60" },
    complexity: { type: "string", default: "0" },
    suite: { type: "string", default: "AES_CM_128_HMAC_SHA1_80" },
    rate: { type: "string", default: "50" },
  },
});

async function run(script: string, args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${HERE}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${script} exited ${out.code}: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
  }
  return JSON.parse(text);
}

interface RecorderRun {
  packets: { sent: number | null; received: number; missing: number | null };
  server: { cpuPerCallPercent: number; cpuPercentOfOneCore: number };
  sip: { answered: number; rejected: number; failed: number };
}

function summary(r: RecorderRun) {
  return {
    answered: r.sip.answered,
    missingPackets: r.packets.missing,
    lossPercent: r.packets.sent
      ? Math.round((r.packets.missing ?? 0) / r.packets.sent * 1e5) / 1e3
      : null,
    serverCpuPercentOfOneCore: r.server.cpuPercentOfOneCore,
    serverCpuPerCallPercent: r.server.cpuPerCallPercent,
  };
}

const common = [
  "--calls",
  values.calls!,
  "--duration",
  values.duration!,
  "--complexity",
  values.complexity!,
  "--rate",
  values.rate!,
];
const plain = await run("bench_recorder.ts", common) as unknown as RecorderRun;
const srtp = await run("bench_recorder.ts", [
  ...common,
  "--srtp",
  values.suite!,
]) as unknown as RecorderRun;
const packet = await run("bench_srtp_packet.ts", ["50000"]);
const ratio = plain.server.cpuPerCallPercent / srtp.server.cpuPerCallPercent;
console.log(JSON.stringify(
  {
    bench: "recorder_srtp",
    calls: Number(values.calls),
    durationS: Number(values.duration),
    complexity: Number(values.complexity),
    suite: values.suite,
    plain: summary(plain),
    srtp: summary(srtp),
    capacityRatioEstimate: Number.isFinite(ratio) ? Math.round(ratio * 1000) / 1000 : null,
    decryptUsPerPacket: packet.decryptUsPerPacket,
    runs: { plain, srtp, packet },
  },
  null,
  2,
));
