/** Runs the real `sipp` binary with the scenarios in tests/fixtures/sipp/. */
import { fileURLToPath } from "node:url";
import { freeSipPort } from "./ports.ts";

/** Directory of the sipp scenarios. */
export const SCENARIOS = fileURLToPath(new URL("../fixtures/sipp/", import.meta.url));

/** Options for one sipp run. */
export interface SippOptions {
  scenario: string;
  port: number;
  transport?: "udp" | "tcp";
  cwd: string;
  /** Output captured (default) or discarded. */
  output?: "piped" | "null";
}

function command(o: SippOptions): Deno.Command {
  return new Deno.Command("sipp", {
    args: [
      `127.0.0.1:${o.port}`,
      "-sf",
      SCENARIOS + o.scenario,
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
      ...(o.transport === "tcp" ? ["-t", "t1"] : []),
    ],
    cwd: o.cwd,
    stdout: o.output ?? "piped",
    stderr: o.output ?? "piped",
  });
}

/** Starts sipp in the background. */
export function spawnSipp(o: SippOptions): Deno.ChildProcess {
  return command(o).spawn();
}

/** Runs sipp to the end; returns its exit code and what it printed. */
export async function runSipp(o: SippOptions): Promise<{ code: number; text: string }> {
  const out = await command({ ...o, output: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
