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
  /**
   * The SRC's media ports offered in scenarios that use `[rtp_a]`/`[rtp_b]` (default
   * 16000/16002). A test sending RTP binds its sockets first and passes their ports:
   * the recorder takes media only from the offered address and port.
   */
  media?: [number, number];
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
      "-key",
      "rtp_a",
      String(o.media?.[0] ?? 16000),
      "-key",
      "rtp_b",
      String(o.media?.[1] ?? 16002),
      ...(o.transport === "tcp" ? ["-t", "t1"] : []),
    ],
    cwd: o.cwd,
    stdout: o.output ?? "piped",
    stderr: o.output ?? "piped",
  });
}

/** The local port of a bound UDP socket (to offer it as the SRC's media port). */
export function localPort(sock: Deno.DatagramConn): number {
  return (sock.addr as Deno.NetAddr).port;
}

/** Starts sipp in the background. */
export function spawnSipp(o: SippOptions): Deno.ChildProcess {
  return command(o).spawn();
}

/**
 * Runs sipp to the end; returns its exit code and what it printed. Its local port was free
 * a moment before sipp binds it; when another test took it in between ("Unable to bind main
 * socket … Address already in use"), sipp sent nothing, and it runs again on a new port, up
 * to three times.
 */
export async function runSipp(o: SippOptions): Promise<{ code: number; text: string }> {
  const dec = new TextDecoder();
  for (let attempt = 1;; attempt++) {
    const out = await command({ ...o, output: "piped" }).output();
    const text = dec.decode(out.stdout) + dec.decode(out.stderr);
    if (out.code === 0 || attempt >= 3 || !/Unable to bind main socket.*errno = 98/.test(text)) {
      return { code: out.code, text };
    }
  }
}
