/**
 * Sender capacity of `selrec simulate`: N calls × S seconds (default 500 × 20 s, ramped
 * at 50 calls/s) against a sink SRS in its own process (one shared RTP port, counted by
 * SSRC). Prints JSON: pacing lateness, packets sent and received, sender CPU.
 * Usage: deno run -A scripts/bench_simulate_pacing.ts [--calls 500] [--duration 20] [--rate 50]
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runSimulation } from "../src/sim/simulate.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}
const calls = arg("--calls", 500);
const duration = arg("--duration", 20);
const rate = arg("--rate", 50);
const transport = Deno.args.includes("--tcp") ? "tcp" : "udp";

const sinkPath = fileURLToPath(new URL("../src/sim/sink_srs.ts", import.meta.url));
const sink = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", sinkPath, transport, "--shared"],
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const lines = sink.stdout.pipeThrough(new TextDecoderStream()).getReader();
let buffered = "";
async function nextLine(): Promise<string> {
  while (!buffered.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    buffered += value;
  }
  const i = buffered.indexOf("\n");
  const line = i < 0 ? buffered : buffered.slice(0, i);
  buffered = i < 0 ? "" : buffered.slice(i + 1);
  return line;
}
const { port } = JSON.parse(await nextLine());

const cpu0 = process.cpuUsage();
const report = await runSimulation({
  target: `127.0.0.1:${port}`,
  transport,
  calls,
  rate,
  duration,
  seed: 1,
});
const cpu = process.cpuUsage(cpu0);
await sink.stdin.close();
const counts = JSON.parse(await nextLine());
await sink.status;
lines.releaseLock();
await sink.stdout.cancel().catch(() => {});

const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify(
  {
    bench: "simulate-pacing",
    calls,
    durationS: duration,
    rate,
    transport,
    peakConcurrentCalls: Math.min(calls, Math.ceil(rate * duration)),
    packetsPerSecondPeak: Math.min(calls, Math.ceil(rate * duration)) * 2 * 50,
    answered: report.totals.answered,
    failed: report.totals.failed + report.totals.rejected,
    packetsSent: report.packets.sent,
    packetsReceivedBySink: counts.rtpTotal,
    lost: report.packets.sent - counts.rtpTotal,
    sendErrors: report.packets.sendErrors,
    lateness: report.lateness,
    pacerTicks: report.pacerTicks,
    elapsedS: Math.round(report.elapsedMs / 100) / 10,
    senderCpuPercent: Math.round((cpuMs / report.elapsedMs) * 1000) / 10,
    senderUsPerPacket: Math.round((cpuMs * 1000 / Math.max(1, report.packets.sent)) * 100) / 100,
  },
  null,
  2,
));
