/** `selrec simulate`: the built-in SIPREC client for demos and load tests. */
import { CliExit, type Command, table, UsageError } from "./command.ts";
import { runSimulation, type SimulationOptions, type SimulationReport } from "../sim/simulate.ts";
import { parseSimSuite, SIM_SRTP_SUITES } from "../sim/srtp_legs.ts";
import { loadLibSrtp } from "../rtp/srtp_ffi.ts";
import type { SrtpSuite } from "../sip/sdp_crypto.ts";

/** Why an SRS may refuse `--srtp` over UDP/TCP, and the two ways out. */
export const SRTP_OVER_PLAIN_SIP_NOTE =
  "--srtp puts the SRTP master keys in the SDP; the recorder takes SDES keys only over " +
  "SIP/TLS (RFC 4568 §8.3) and answers 488 otherwise. Use --transport tls --ca FILE, or " +
  "set rtp.srtp.allowOverPlainSip: true on the recorder (a trusted network only).";

function num(values: Record<string, unknown>, name: string, fallback?: number): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${name} must be a non-negative number, got "${v}"`);
  }
  return n;
}

/** Options from parsed flags; throws UsageError on bad values. */
export function simulationOptionsFrom(values: Record<string, unknown>): SimulationOptions {
  const target = values.target;
  if (typeof target !== "string") throw new UsageError("--target HOST:PORT is required");
  const transport = (values.transport ?? "udp") as string;
  if (transport !== "udp" && transport !== "tcp" && transport !== "tls") {
    throw new UsageError(`--transport must be udp, tcp or tls, got "${transport}"`);
  }
  const tls = tlsOptionsFrom(values, transport);
  const srtp = srtpSuiteFrom(values.srtp);
  const codec = (values.codec ?? "pcmu") as string;
  if (codec !== "pcmu" && codec !== "pcma" && codec !== "g722" && codec !== "g729") {
    throw new UsageError(`--codec must be pcmu, pcma, g722 or g729, got "${codec}"`);
  }
  const calls = num(values, "calls", 1)!;
  if (!Number.isInteger(calls) || calls < 1) {
    throw new UsageError(`--calls must be ≥ 1, got "${calls}"`);
  }
  const rate = num(values, "rate", 10)!;
  const duration = num(values, "duration", 10)!;
  if (rate <= 0 || duration <= 0) throw new UsageError("--rate and --duration must be positive");
  const pauseAt = num(values, "pause-at");
  const pauseFor = num(values, "pause-for", pauseAt === undefined ? undefined : 3);
  if (values["pause-for"] !== undefined && pauseAt === undefined) {
    throw new UsageError("--pause-for needs --pause-at");
  }
  return {
    target,
    calls,
    rate,
    duration,
    transport,
    ...(tls ? { tls } : {}),
    ...(srtp ? { srtp } : {}),
    codec,
    seed: num(values, "seed", 1),
    tones: values.tones === true,
    pauseAt,
    pauseFor,
    transferAt: num(values, "transfer-at"),
    localHost: values.local as string | undefined,
    sockets: num(values, "sockets"),
    tickMs: num(values, "tick-ms"),
  };
}

function srtpSuiteFrom(value: unknown): SrtpSuite | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSimSuite(String(value));
  } catch {
    throw new UsageError(`--srtp must be one of ${SIM_SRTP_SUITES.join(", ")}, got "${value}"`);
  }
}

/** `--ca FILE` (required for tls) and `--cert FILE --key FILE` (mutual TLS), read as PEM. */
function tlsOptionsFrom(
  values: Record<string, unknown>,
  transport: string,
): SimulationOptions["tls"] | undefined {
  const [ca, cert, key] = [values.ca, values.cert, values.key] as (string | undefined)[];
  if (transport !== "tls") {
    if (ca || cert || key) throw new UsageError("--ca, --cert and --key need --transport tls");
    return undefined;
  }
  if (!ca) throw new UsageError("--transport tls needs --ca FILE (the CA of the SRS certificate)");
  if (!!cert !== !!key) throw new UsageError("--cert and --key go together");
  const read = (flag: string, path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      throw new UsageError(`--${flag}: cannot read "${path}": ${(error as Error).message}`);
    }
  };
  return {
    caCerts: [read("ca", ca)],
    ...(cert && key ? { cert: read("cert", cert), key: read("key", key) } : {}),
  };
}

/** Human-readable report: one line per call, then totals and pacing lateness. */
export function formatReport(r: SimulationReport): string {
  const rows = r.calls.map((c) => ({
    call: c.index,
    outcome: c.outcome,
    status: c.status,
    setupMs: c.setupMs ?? "",
    customer: c.legs[0]?.sent ?? 0,
    agent: c.legs[1]?.sent ?? 0,
    paused: (c.legs[0]?.skipped ?? 0) + (c.legs[1]?.skipped ?? 0),
    recorded: `${c.recordedStreams}/${c.recordedStreams + c.inactiveStreams + c.refusedStreams}`,
    reinvites: `${c.reinvites.ok}/${c.reinvites.sent}`,
    bye: c.remoteBye ? "remote" : c.bye ?? "",
    maxLateMs: Math.max(0, ...c.legs.map((l) => l.maxLateMs)),
    bu: c.metadata.businessUnit,
  }));
  const t = r.totals;
  const l = r.lateness;
  return table(rows, Object.keys(rows[0] ?? { call: 0 })) + [
    "",
    `calls: ${r.calls.length} (answered ${t.answered}, rejected ${t.rejected}, failed ${t.failed}); ` +
    `streams recorded ${t.recordedStreams}, inactive ${t.inactiveStreams}, refused ${t.refusedStreams}; ` +
    `BYE ok ${t.byeOk}, remote BYE ${t.remoteBye}`,
    `packets: sent ${r.packets.sent}, paused ${r.packets.skipped}, send errors ` +
    `${r.packets.sendErrors}, expected per leg ${r.packets.expectedPerLeg}`,
    `pacing lateness: p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms, ` +
    `≥20 ms ${l.over20Ms} of ${l.count}`,
    ...srtpLines(r),
    `sip: sent ${r.sip.sent}, retransmissions ${r.sip.retransmissions}, timeouts ${r.sip.timeouts}`,
    `elapsed ${(r.elapsedMs / 1000).toFixed(1)} s`,
  ].join("\n") + "\n";
}

function srtpLines(r: SimulationReport): string[] {
  if (!r.srtp) return [];
  const refused = r.calls.filter((c) => c.status === 488).length;
  return [
    `srtp: ${r.srtp} on every leg, protect errors ${r.packets.protectErrors}`,
    ...(refused > 0 && r.transport !== "tls"
      ? [`${refused} calls got 488: ${SRTP_OVER_PLAIN_SIP_NOTE}`]
      : []),
  ];
}

/** The command; exits 1 when any call failed (rejected calls are not failures). */
export const simulateCommand: Command = {
  path: ["simulate"],
  summary: "Send SIPREC calls with paced RTP to a recorder (demo and load client)",
  usage: "--target HOST:PORT [--calls N] [--rate R] [--duration S] [options]",
  options: {
    target: { type: "string" },
    calls: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    transport: { type: "string" },
    srtp: { type: "string" },
    ca: { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    seed: { type: "string" },
    codec: { type: "string" },
    tones: { type: "boolean" },
    "pause-at": { type: "string" },
    "pause-for": { type: "string" },
    "transfer-at": { type: "string" },
    local: { type: "string" },
    sockets: { type: "string" },
    "tick-ms": { type: "string" },
    json: { type: "boolean" },
  },
  help: [
    "Each call: SIPREC INVITE (SDP with labelled streams 1 = customer, 2 = agent, RFC 7865",
    "metadata with varying business unit, customer type, language, agent, partitions, UCID),",
    "ACK, two 20 ms RTP legs of speech-like audio (--tones: 440/880 Hz) in --codec pcmu, pcma,",
    "g722 (encoded by ffmpeg) or g729 (libbcg729's encoder), optional",
    "pause (re-INVITE a=inactive at --pause-at S for --pause-for S, default 3) and transfer",
    "(re-INVITE adding a participant at --transfer-at S), then BYE. Defaults: --calls 1",
    "--rate 10 (calls/s) --duration 10 (s) --transport udp --codec pcmu --seed 1.",
    "--local HOST sets the address to bind and advertise; --sockets N the RTP socket pool.",
    "--transport tls needs --ca FILE (PEM CA of the SRS certificate; the target host must be",
    "a name or address in it); --cert FILE --key FILE present a client certificate (mTLS).",
    `--srtp SUITE sends SRTP (RTP/SAVP, one SDES key per leg; ${SIM_SRTP_SUITES.join(", ")}).`,
    "The recorder takes SDES keys only over TLS: use it with --transport tls, or set",
    "rtp.srtp.allowOverPlainSip: true on the recorder. Needs libsrtp2 (Debian libsrtp2-1).",
    "Ctrl-C ends running calls with BYE. Exit 1 when any call failed.",
  ].join("\n"),
  async run(args, io) {
    const options = simulationOptionsFrom(args.values);
    if (options.srtp) {
      try {
        loadLibSrtp();
      } catch (error) {
        throw new CliExit(2, `selrec simulate: ${(error as Error).message}`);
      }
      if (options.transport !== "tls") {
        io.stderr(`selrec simulate: note: ${SRTP_OVER_PLAIN_SIP_NOTE}\n`);
      }
    }
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    Deno.addSignalListener("SIGINT", onSignal);
    let report: SimulationReport;
    try {
      report = await runSimulation({ ...options, signal: abort.signal });
    } catch (error) {
      const bad = error instanceof SyntaxError || error instanceof RangeError ||
        error instanceof Deno.errors.ConnectionRefused;
      if (!bad) throw error;
      io.stderr(`selrec simulate: ${(error as Error).message}\n`);
      return 2;
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
    }
    io.stdout(args.values.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
    return report.totals.failed > 0 ? 1 : 0;
  },
};
