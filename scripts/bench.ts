/**
 * `deno task bench`: runs every scripts/bench_*.ts as a subprocess, one after another,
 * each with a timeout, and prints one JSON document: the machine's facts and each
 * case's JSON under its name (`bench_capture.ts` → `capture`).
 * Usage: deno task bench [-- --only NAME[,NAME]] [--timeout SECONDS] [--list]
 * A case prints one JSON document on stdout; anything else is reported as an error.
 * A case that needs more than the default 900 s says so in its source with
 * `export const TIMEOUT_SECONDS = N;` (`--timeout` overrides every case).
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

async function readText(path: string): Promise<string> {
  return await Deno.readTextFile(path).catch(() => "");
}

/** CPU model, cores, memory, kernel and runtime versions. */
export async function machineFacts(): Promise<Record<string, unknown>> {
  const cpuinfo = await readText("/proc/cpuinfo");
  const meminfo = await readText("/proc/meminfo");
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const rmem = (await readText("/proc/sys/net/core/rmem_default")).trim();
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memMiB: Math.round(memKb / 1024),
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    rmemDefault: rmem === "" ? null : Number(rmem),
    loadavg: Deno.loadavg(),
  };
}

/** The bench_*.ts scripts beside this file, by case name. */
export async function findCases(dir = HERE): Promise<Map<string, string>> {
  const cases = new Map<string, string>();
  for await (const e of Deno.readDir(dir)) {
    const m = /^bench_(.+)\.ts$/.exec(e.name);
    if (e.isFile && m && !e.name.endsWith("_test.ts")) cases.set(m[1], join(dir, e.name));
  }
  return new Map([...cases].sort(([a], [b]) => a.localeCompare(b)));
}

/** Parses a case's stdout: one JSON document, or else the last line that parses. */
export function parseCaseOutput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.trim().split("\n").reverse();
    for (const line of lines) {
      try {
        return JSON.parse(line);
      } catch { /* keep looking */ }
    }
    throw new SyntaxError(`Cannot parse bench output: "${text.slice(-200)}"`);
  }
}

/** Default per-case timeout in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 900;

/** The case's own `export const TIMEOUT_SECONDS = N;`, else the default. */
export async function caseTimeout(path: string): Promise<number> {
  const m = /^export const TIMEOUT_SECONDS = (\d+);/m.exec(await readText(path));
  return m ? Number(m[1]) : DEFAULT_TIMEOUT_SECONDS;
}

async function runCase(path: string, timeoutS: number, extra: string[]): Promise<unknown> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...extra],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutS * 1000);
  const out = await child.output();
  clearTimeout(timer);
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const stderr = new TextDecoder().decode(out.stderr).trim().slice(-500);
  if (timedOut) return { error: `timed out after ${timeoutS} s`, seconds, stderr };
  if (out.code !== 0) return { error: `exit code ${out.code}`, seconds, stderr };
  try {
    return { ...(parseCaseOutput(new TextDecoder().decode(out.stdout)) as object), seconds };
  } catch (error) {
    return { error: (error as Error).message, seconds, stderr };
  }
}

if (import.meta.main) {
  const cases = await findCases();
  if (Deno.args.includes("--list")) {
    console.log([...cases.keys()].join("\n"));
    Deno.exit(0);
  }
  const only = arg("--only")?.split(",");
  const unknown = (only ?? []).filter((n) => !cases.has(n));
  if (unknown.length > 0) {
    console.error(
      `Unknown bench case "${unknown.join(", ")}"; cases: ${[...cases.keys()].join(", ")}`,
    );
    Deno.exit(2);
  }
  const override = arg("--timeout");
  const results: Record<string, unknown> = {};
  for (const [name, path] of cases) {
    if (only && !only.includes(name)) continue;
    const timeoutS = override ? Number(override) : await caseTimeout(path);
    console.error(`bench: ${name} (${basename(path)}, timeout ${timeoutS} s) …`);
    results[name] = await runCase(path, timeoutS, []);
  }
  console.log(JSON.stringify(
    { startedAt: new Date().toISOString(), machine: await machineFacts(), cases: results },
    null,
    2,
  ));
}
