/**
 * The script of one simulated SIPREC call: INVITE → (100/180) → 200 → ACK → two
 * paced RTP legs → optional pause (re-INVITE a=inactive, then sendonly) and
 * transfer (re-INVITE with a participant added) → BYE. Returns what happened.
 */
import type { SipResponse } from "../sip/message.ts";
import type { OfferParticipant, SiprecOfferOptions } from "../sip/siprec_offer.ts";
import type { AudioBank, Law } from "./audio.ts";
import { SIM_CODECS } from "./sim_encoders.ts";
import type { CallProfile } from "./call_profile.ts";
import {
  ackFor,
  bye,
  confirmDialog,
  initialInvite,
  readAnswer,
  reInvite,
  type SrcDialog,
} from "./dialog.ts";
import { type Random, randomInt } from "./rng.ts";
import { createLeg, type Leg, PACKET_MS, type RtpPacer } from "./rtp_pacer.ts";
import type { SipClient } from "./sip_client.ts";
import { newSimSrtpKey, type SimSrtpKey } from "./srtp_legs.ts";
import type { SrtpSuite } from "../sip/sdp_crypto.ts";

/** What became of one call. */
export interface CallReport {
  index: number;
  callId: string;
  /** answered: 2xx; rejected: 503; failed: any other final, timeout or error. */
  outcome: "answered" | "rejected" | "failed";
  status: number;
  provisional: number[];
  setupMs: number | null;
  /** Streams the SRS answered recvonly/sendrecv (will record) and inactive (won't). */
  recordedStreams: number;
  inactiveStreams: number;
  refusedStreams: number;
  legs: LegReport[];
  reinvites: { sent: number; ok: number };
  /** Final status of our BYE; null when none was sent. */
  bye: number | null;
  remoteBye: boolean;
  metadata: Record<string, string>;
  error?: string;
}

/** Packets of one leg. */
export interface LegReport {
  label: string;
  role: "customer" | "agent";
  sent: number;
  /** Packet slots not sent while paused or refused. */
  skipped: number;
  sendErrors: number;
  /** Packets libsrtp refused to protect (SRTP legs only). */
  protectErrors: number;
  maxLateMs: number;
}

/** Timed events of a call, seconds from media start. */
export interface CallEvents {
  pauseAt?: number;
  pauseFor?: number;
  transferAt?: number;
}

/** Everything a call shares with the run. */
export interface CallContext {
  client: SipClient;
  pacer: RtpPacer;
  bank: AudioBank;
  law: Law;
  srs: string;
  src: string;
  transport: "udp" | "tcp" | "tls";
  /** SRTP suite of every leg (RTP/SAVP with SDES keys), or plain RTP when absent. */
  srtp?: SrtpSuite;
  mediaHost: string;
  targetHost: string;
  /** Local ports of the RTP socket pool (the offer's m= ports). */
  socketPorts: number[];
  durationMs: number;
  events: CallEvents;
  clock(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Ends running calls early (with a BYE). */
  signal?: AbortSignal;
  /** Register a handler for an SRS-initiated BYE; returns the unregister function. */
  onRemoteBye(callId: string, fn: () => void): () => void;
}

const LABELS = ["1", "2"] as const;

function offerOf(
  ctx: CallContext,
  p: CallProfile,
  legSockets: number[],
  transferred: boolean,
  keys: SimSrtpKey[] | null,
) {
  const participants: OfferParticipant[] = [
    {
      id: "customer",
      aor: p.customerAor,
      name: p.customerAor.slice(4),
      sends: ["1"],
      receives: ["2"],
    },
    {
      id: "agent",
      aor: p.agentAor,
      sends: transferred ? [] : ["2"],
      receives: transferred ? [] : ["1"],
    },
  ];
  if (transferred) {
    participants.push({ id: "agent2", aor: p.transferAor, sends: ["2"], receives: ["1"] });
  }
  const agentId = /sip:([^@]+)/.exec(transferred ? p.transferAor : p.agentAor)?.[1] ?? "";
  return (direction: "sendonly" | "inactive", version: number): SiprecOfferOptions => ({
    host: ctx.mediaHost,
    streams: LABELS.map((label, i) => ({
      label,
      port: ctx.socketPorts[legSockets[i]],
      codec: SIM_CODECS[ctx.law].name,
      direction,
      ...(keys ? { proto: "RTP/SAVP", crypto: keys[i].crypto } : {}),
    })),
    participants,
    sessionId: p.sessionId,
    sipSessionId: p.callId,
    extensions: { ...p.data, agentId },
    sdpVersion: version,
  });
}

/** Runs one call to its end; never throws (errors become outcome "failed"). */
export async function runCall(
  ctx: CallContext,
  index: number,
  profile: CallProfile,
  rng: Random,
): Promise<CallReport> {
  const legSockets = [
    (index * 2) % ctx.socketPorts.length,
    (index * 2 + 1) % ctx.socketPorts.length,
  ];
  const report: CallReport = {
    index,
    callId: profile.callId,
    outcome: "failed",
    status: 0,
    provisional: [],
    setupMs: null,
    recordedStreams: 0,
    inactiveStreams: 0,
    refusedStreams: 0,
    legs: [],
    reinvites: { sent: 0, ok: 0 },
    bye: null,
    remoteBye: false,
    metadata: { ...profile.data },
  };
  const d: SrcDialog = {
    addressing: {
      srs: ctx.srs,
      src: ctx.src,
      transport: ctx.transport,
      callId: profile.callId,
      fromTag: profile.fromTag,
    },
    to: null,
    remoteTarget: null,
    cseq: 1,
  };
  let hangup = () => {};
  const hungUp = new Promise<void>((r) => hangup = r);
  const stop = () => hangup();
  ctx.signal?.addEventListener("abort", stop, { once: true });
  if (ctx.signal?.aborted) stop();
  const unregister = ctx.onRemoteBye(profile.callId, () => {
    report.remoteBye = true;
    hangup();
  });
  const legs: Leg[] = [];
  const ended = new AbortController();
  // One SDES key per leg for the whole call (re-offers repeat it: RFC 4568 §7.1.4).
  const keys = ctx.srtp ? LABELS.map(() => newSimSrtpKey(ctx.srtp!)) : null;
  try {
    const t0 = ctx.clock();
    const res = await ctx.client.request(
      initialInvite(d, offerOf(ctx, profile, legSockets, false, keys)("sendonly", 1), rng),
      (r) => report.provisional.push(r.status),
    );
    report.status = res.status;
    if (res.status === 503) report.outcome = "rejected";
    if (res.status < 200 || res.status >= 300) return report;
    report.outcome = "answered";
    report.setupMs = Math.round((ctx.clock() - t0) * 10) / 10;
    confirmDialog(d, res);
    ctx.client.ack(ackFor(d, 1, rng));
    const start = ctx.clock();
    const audio = ctx.bank.forCall(rng);
    LABELS.forEach((_, i) => {
      legs.push(createLeg({
        target: null,
        socket: legSockets[i],
        payloadType: SIM_CODECS[ctx.law].pt,
        frameBytes: SIM_CODECS[ctx.law].frameBytes,
        ssrc: randomInt(rng, 1, 0xffffffff),
        seq: randomInt(rng, 0, 0xffff),
        timestamp: randomInt(rng, 0, 0xffffffff),
        clip: i === 0 ? audio.customer : audio.agent,
        frame: audio.startFrame,
        remaining: Math.round(ctx.durationMs / PACKET_MS),
        srtp: keys?.[i].sender() ?? null,
      }, start));
    });
    applyAnswer(ctx, report, legs, res, true);
    for (const leg of legs) ctx.pacer.add(leg);
    const media = Promise.all(legs.map((l) => l.done));
    await Promise.race([
      media,
      hungUp,
      runEvents(ctx, d, report, legs, profile, legSockets, keys, start, rng, ended.signal),
    ]);
    await Promise.race([media, hungUp]);
    if (!report.remoteBye) report.bye = (await ctx.client.request(bye(d, rng))).status;
  } catch (error) {
    report.outcome = "failed";
    report.error = (error as Error).message;
  } finally {
    ctx.signal?.removeEventListener("abort", stop);
    ended.abort();
    for (const leg of legs) {
      ctx.pacer.stop(leg);
      leg.srtp?.close();
    }
    unregister();
    ctx.client.forget(profile.callId);
  }
  report.legs = legs.map((l, i) => ({
    label: LABELS[i],
    role: i === 0 ? "customer" : "agent",
    sent: l.sent,
    skipped: l.skipped,
    sendErrors: l.sendErrors,
    protectErrors: l.protectErrors,
    maxLateMs: Math.round(l.maxLateMs * 10) / 10,
  }));
  return report;
}

/** Point the legs at the answer's ports; count recorded/inactive/refused on the first answer. */
function applyAnswer(
  ctx: CallContext,
  r: CallReport,
  legs: Leg[],
  res: SipResponse,
  first: boolean,
) {
  const answered = readAnswer(res, [...LABELS], ctx.targetHost);
  answered.forEach((a, i) => {
    legs[i].target = a.target;
    if (!first) return;
    if (a.target === null) r.refusedStreams++;
    else if (a.direction === "inactive") r.inactiveStreams++; // not recorded; a real SBC forks anyway
    else r.recordedStreams++;
  });
}

async function runEvents(
  ctx: CallContext,
  d: SrcDialog,
  r: CallReport,
  legs: Leg[],
  profile: CallProfile,
  legSockets: number[],
  keys: SimSrtpKey[] | null,
  start: number,
  rng: Random,
  signal: AbortSignal,
): Promise<void> {
  const { pauseAt, pauseFor, transferAt } = ctx.events;
  const endS = ctx.durationMs / 1000;
  const events: { at: number; kind: "pause" | "resume" | "transfer" }[] = [];
  if (pauseAt !== undefined && pauseAt < endS) {
    events.push({ at: pauseAt, kind: "pause" });
    if (pauseFor !== undefined && pauseAt + pauseFor < endS) {
      events.push({ at: pauseAt + pauseFor, kind: "resume" });
    }
  }
  if (transferAt !== undefined && transferAt < endS) {
    events.push({ at: transferAt, kind: "transfer" });
  }
  events.sort((a, b) => a.at - b.at);
  let paused = false;
  let transferred = false;
  let version = 1;
  for (const e of events) {
    const wait = start + e.at * 1000 - ctx.clock();
    if (wait > 0) await ctx.sleep(wait, signal);
    if (signal.aborted) return;
    if (e.kind === "transfer") transferred = true;
    else paused = e.kind === "pause";
    // RFC 7866 §8.1.4: the SRC stops forwarding media when it pauses.
    for (const leg of legs) leg.paused = paused;
    const offer = offerOf(ctx, profile, legSockets, transferred, keys)(
      paused ? "inactive" : "sendonly",
      ++version,
    );
    r.reinvites.sent++;
    const req = reInvite(d, offer, e.kind === "transfer", rng);
    const res = await ctx.client.request(req);
    if (res.status >= 200 && res.status < 300) {
      r.reinvites.ok++;
      ctx.client.ack(ackFor(d, d.cseq, rng));
      applyAnswer(ctx, r, legs, res, false);
    }
  }
}
