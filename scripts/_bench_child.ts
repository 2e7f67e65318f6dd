/**
 * Shared by the bench cases that drive other bench scripts (recorder_srtp,
 * recorder_codecs): run a sibling script as a child process and read its JSON, and the
 * "held" test of a recorder run. The leading underscore keeps `deno task bench` from
 * taking this file for a case.
 */
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL("./", import.meta.url));

/** Runs `scripts/<script>` with `args`; its stdout parsed as JSON, or an error with stderr's tail. */
export async function runBenchScript<T>(script: string, args: string[]): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${HERE}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${script} exited ${out.code}: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** bench_recorder.ts's arguments for `calls` concurrent calls with the driver's settings. */
export function recorderArgs(
  calls: number,
  o: { duration?: string; complexity?: string; rate?: string },
  extra: string[] = [],
): string[] {
  return [
    "--calls",
    String(calls),
    "--duration",
    o.duration!,
    "--complexity",
    o.complexity!,
    "--rate",
    o.rate!,
    ...extra,
  ];
}

/** A recorder run held: every call answered and no packet missing. */
export function held(r: {
  sip: { failed: number; rejected: number };
  packets: { missing: number | null };
}): boolean {
  return r.sip.failed === 0 && r.sip.rejected === 0 && (r.packets.missing ?? 1) === 0;
}
