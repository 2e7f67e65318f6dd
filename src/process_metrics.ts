/**
 * The standard Prometheus `process_*` figures of this process (rendered without the
 * `selrec_` prefix, as exporters name them): resident memory, CPU time, open and allowed
 * descriptors, start time. Linux's /proc is read; a figure it cannot give is left out.
 */
import process from "node:process";
import type { ScalarSample } from "./metrics.ts";

function bare(name: string, help: string, type: "gauge" | "counter", value: number): ScalarSample {
  return { name, help, type, value, bare: true };
}

/** Open descriptors, from /proc/self/fd; null off Linux. */
export function openFdCount(): number | null {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n;
  } catch {
    return null;
  }
}

/** The soft open-file limit, from /proc/self/limits; null when unknown or unlimited. */
export function maxFds(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/self/limits");
    } catch {
      return null;
    }
  }
  const m = /^Max open files\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

const START_SECONDS = (performance.timeOrigin ?? Date.now() - performance.now()) / 1000;

/** Samples for `/metrics`. */
export function processSamples(): ScalarSample[] {
  const cpu = process.cpuUsage();
  const out = [
    bare(
      "process_resident_memory_bytes",
      "Resident memory size in bytes",
      "gauge",
      Deno.memoryUsage().rss,
    ),
    bare(
      "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds",
      "counter",
      (cpu.user + cpu.system) / 1e6,
    ),
    bare(
      "process_start_time_seconds",
      "Start time of the process since the Unix epoch in seconds",
      "gauge",
      Math.floor(START_SECONDS),
    ),
  ];
  const fds = openFdCount();
  if (fds !== null) out.push(bare("process_open_fds", "Open file descriptors", "gauge", fds));
  const max = maxFds();
  if (max !== null) {
    out.push(bare("process_max_fds", "Maximum number of open file descriptors", "gauge", max));
  }
  return out;
}
