/**
 * `runSimulation()`: the built-in SIPREC client (SRC) used by the demo and the
 * benchmark. Opens one SIP channel (UDP or TCP) and a small pool of RTP sockets,
 * starts calls at a steady rate, paces every RTP leg from one loop and reports what
 * it sent and how late its pacing ran, so a benchmark can tell sender lag from
 * recorder loss.
 */
import { realTimers } from "../sip/timers.ts";
import { AudioBank, encodeClips, type Law } from "./audio.ts";
import { clipEncoder } from "./sim_encoders.ts";
import { type CallContext, type CallEvents, type CallReport, runCall } from "./call.ts";
import { type CallProfile, callProfile } from "./call_profile.ts";
import type { LatenessSummary } from "./lateness.ts";
import { seededRandom } from "./rng.ts";
import { PACKET_MS, RtpPacer } from "./rtp_pacer.ts";
import {
  type HostPort,
  openSipChannel,
  type SimTransport,
  type TlsClientOptions,
} from "./sip_channel.ts";
import { SipClient, type SipClientStats } from "./sip_client.ts";
import type { SrtpSuite } from "../sip/sdp_crypto.ts";

/** Inputs of {@link runSimulation}. */
export interface SimulationOptions extends CallEvents {
  /** SRS address `HOST:PORT` (`[v6]:PORT` for IPv6). */
  target: string;
  calls: number;
  /** New calls per second. */
  rate: number;
  /** Media seconds per call. */
  duration: number;
  transport?: SimTransport;
  /** For `transport: "tls"`: the CA to trust and an optional client certificate. */
  tls?: TlsClientOptions;
  /**
   * Send SRTP with this suite (RTP/SAVP offers with one SDES key per leg). The SRS takes
   * SDES keys only over TLS unless its `rtp.srtp.allowOverPlainSip` is set (RFC 4568 §8.3).
   */
  srtp?: SrtpSuite;
  seed?: number;
  /** 440 Hz customer / 880 Hz agent instead of speech. */
  tones?: boolean;
  codec?: Law;
  /** Address to bind and advertise; default 127.0.0.1 for a loopback target, else the first IPv4. */
  localHost?: string;
  /** RTP sending sockets shared by all legs (default 4). */
  sockets?: number;
  /** Pacing loop period in ms (default 5). */
  tickMs?: number;
  /** Speech clips synthesized and their length (defaults 4 × 30 s). */
  conversations?: number;
  clipSeconds?: number;
  /** Stop starting calls and end running ones early. */
  signal?: AbortSignal;
}

/** The run report (`selrec simulate --json` prints it). */
export interface SimulationReport {
  target: string;
  transport: SimTransport;
  /** SRTP suite of every leg, or null for plain RTP. */
  srtp: SrtpSuite | null;
  callsRequested: number;
  rate: number;
  durationS: number;
  seed: number;
  codec: Law;
  tones: boolean;
  startedAt: string;
  elapsedMs: number;
  totals: {
    answered: number;
    rejected: number;
    failed: number;
    recordedStreams: number;
    inactiveStreams: number;
    refusedStreams: number;
    byeOk: number;
    remoteBye: number;
    reinvitesSent: number;
    reinvitesOk: number;
  };
  packets: {
    sent: number;
    skipped: number;
    sendErrors: number;
    /** SRTP packets the leg's sender refused to protect (not sent). */
    protectErrors: number;
    expectedPerLeg: number;
  };
  /** Send time minus due time over every RTP packet. */
  lateness: LatenessSummary;
  pacerTicks: number;
  sip: SipClientStats;
  calls: CallReport[];
}

/** The seeded generator of call `index` of a run with `seed` (profile first, then audio). */
function callRandom(seed: number, index: number) {
  return seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/**
 * The profile (agent, business unit, UCID…) call `index` of a run with `seed` will have,
 * so a test can write rules for it before the run.
 */
export function simulatedCallProfile(seed: number, index: number): CallProfile {
  return callProfile(callRandom(seed, index), index);
}

/** Parse `HOST:PORT` or `[V6]:PORT`. Throws SyntaxError. */
export function parseTarget(text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    throw new SyntaxError(`Cannot parse target "${text}": expected HOST:PORT`);
  }
  return { hostname: m[1] ?? m[2], port: Number(m[3]) };
}

function defaultLocalHost(target: string): string {
  if (/^(127\.|localhost$|::1$)/.test(target)) return target === "::1" ? "::1" : "127.0.0.1";
  const v4 = Deno.networkInterfaces().find((i) =>
    i.family === "IPv4" && !i.address.startsWith("127.")
  );
  return v4?.address ?? "127.0.0.1";
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done);
  });
}

function validate(o: SimulationOptions): void {
  const positive = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`Option ${name} must be positive: "${v}"`);
    }
  };
  if (!Number.isInteger(o.calls) || o.calls < 1) {
    throw new RangeError(`Option calls must be a positive integer: "${o.calls}"`);
  }
  positive("rate", o.rate);
  positive("duration", o.duration);
  if (o.pauseFor !== undefined && o.pauseAt === undefined) {
    throw new RangeError("Option pauseFor needs pauseAt");
  }
}

function hostForUri(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Run a whole simulation; resolves with the report when every call has ended. */
export async function runSimulation(o: SimulationOptions): Promise<SimulationReport> {
  validate(o);
  const target = parseTarget(o.target);
  const localHost = o.localHost ?? defaultLocalHost(target.hostname);
  const seed = o.seed ?? 1;
  const law = o.codec ?? "pcmu";
  const transport = o.transport ?? "udp";
  const clips = {
    seed,
    law,
    tones: o.tones,
    conversations: o.conversations,
    seconds: o.clipSeconds,
  };
  const encoder = clipEncoder(law);
  const bank = new AudioBank({
    ...clips,
    ...(encoder ? { encoded: await encodeClips(clips, encoder) } : {}),
  });
  const sockets = Array.from(
    { length: Math.max(1, o.sockets ?? 4) },
    () => Deno.listenDatagram({ transport: "udp", hostname: localHost, port: 0 }),
  );
  const byes = new Map<string, () => void>();
  const client: SipClient = new SipClient({
    send: (bytes) => channel.send(bytes),
    reliable: transport !== "udp",
    timers: realTimers,
    onRequest(req) {
      if (req.method === "OPTIONS") return 200;
      if (req.method !== "BYE") return 405;
      const fn = byes.get(req.headers.get("Call-ID") ?? "");
      fn?.();
      return fn ? 200 : 481;
    },
  });
  const channel = await openSipChannel({
    transport,
    tls: o.tls,
    target,
    localHost,
    onMessage: (bytes) => client.receive(bytes),
    onError: () => {},
  }).catch((error) => {
    for (const s of sockets) s.close();
    throw error;
  });
  const pacer = new RtpPacer((bytes, i, to) =>
    sockets[i].send(bytes, { transport: "udp", hostname: to.hostname, port: to.port })
  );
  const ctx: CallContext = {
    client,
    pacer,
    bank,
    law,
    srs: `${hostForUri(target.hostname)}:${target.port}`,
    src: `${hostForUri(localHost)}:${channel.local.port}`,
    transport,
    srtp: o.srtp,
    mediaHost: localHost,
    targetHost: target.hostname,
    socketPorts: sockets.map((s) => (s.addr as Deno.NetAddr).port),
    durationMs: o.duration * 1000,
    events: o,
    clock: () => performance.now(),
    sleep,
    signal: o.signal,
    onRemoteBye(callId, fn) {
      byes.set(callId, fn);
      return () => byes.delete(callId);
    },
  };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  pacer.start(o.tickMs ?? 5);
  const running: Promise<CallReport>[] = [];
  try {
    for (let i = 0; i < o.calls && !o.signal?.aborted; i++) {
      await sleep(t0 + (i * 1000) / o.rate - performance.now(), o.signal);
      if (o.signal?.aborted) break;
      const rng = callRandom(seed, i);
      running.push(runCall(ctx, i, callProfile(rng, i), rng));
    }
    const calls = await Promise.all(running);
    return summarize(o, { seed, law, transport, startedAt, t0, calls, pacer, client });
  } finally {
    await pacer.close();
    client.close();
    await channel.close();
    for (const s of sockets) s.close();
  }
}

function summarize(
  o: SimulationOptions,
  r: {
    seed: number;
    law: Law;
    transport: SimTransport;
    startedAt: string;
    t0: number;
    calls: CallReport[];
    pacer: RtpPacer;
    client: SipClient;
  },
): SimulationReport {
  const count = (f: (c: CallReport) => boolean) => r.calls.filter(f).length;
  const sum = (f: (c: CallReport) => number) => r.calls.reduce((a, c) => a + f(c), 0);
  const legSum = (f: (l: CallReport["legs"][number]) => number) =>
    sum((c) => c.legs.reduce((a, l) => a + f(l), 0));
  return {
    target: o.target,
    transport: r.transport,
    srtp: o.srtp ?? null,
    callsRequested: o.calls,
    rate: o.rate,
    durationS: o.duration,
    seed: r.seed,
    codec: r.law,
    tones: o.tones ?? false,
    startedAt: r.startedAt,
    elapsedMs: Math.round(performance.now() - r.t0),
    totals: {
      answered: count((c) => c.outcome === "answered"),
      rejected: count((c) => c.outcome === "rejected"),
      failed: count((c) => c.outcome === "failed"),
      recordedStreams: sum((c) => c.recordedStreams),
      inactiveStreams: sum((c) => c.inactiveStreams),
      refusedStreams: sum((c) => c.refusedStreams),
      byeOk: count((c) => c.bye !== null && c.bye >= 200 && c.bye < 300),
      remoteBye: count((c) => c.remoteBye),
      reinvitesSent: sum((c) => c.reinvites.sent),
      reinvitesOk: sum((c) => c.reinvites.ok),
    },
    packets: {
      sent: legSum((l) => l.sent),
      skipped: legSum((l) => l.skipped),
      sendErrors: legSum((l) => l.sendErrors),
      protectErrors: legSum((l) => l.protectErrors),
      expectedPerLeg: Math.round((o.duration * 1000) / PACKET_MS),
    },
    lateness: r.pacer.lateness.summary(),
    pacerTicks: r.pacer.ticks,
    sip: { ...r.client.stats },
    calls: r.calls,
  };
}
