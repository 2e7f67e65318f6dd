/**
 * The call record behind one recording session of the SRS core, and what every job on
 * it shares (initial INVITE, re-offers, session timers, late offer, ending): the options
 * and host it reads, the reply shape, the Warning header (RFC 3261 §20.43), the SRTP
 * policy (RFC 4568 §8.3) and the snapshot of a call as the recorder sees it.
 */
import type { SipRequest, SipResponse } from "./message.ts";
import type { Dialog, PeerAddress, SipTransport } from "./dialog.ts";
import type { RecordingMetadata } from "./metadata.ts";
import type { ResponseOptions } from "./response.ts";
import {
  type AnsweredStream,
  checkOffer,
  type PortAllocator,
  SdpOfferError,
  type SrtpPolicy,
} from "./sdp_answer.ts";
import type { HeaderMap } from "./metadata_headers.ts";
import type { Logger } from "../log.ts";
import type { SdpOrigin } from "./sdp.ts";
import {
  flatMetadata,
  isPaused,
  participantsOf,
  type RecordingSession,
  type SessionOffer,
  streamsOf,
} from "./session.ts";
import type { ParsedBody } from "./srs_offer.ts";
import type { InviteServerTransaction } from "./transaction.ts";
import type { ClientTransactionEnd } from "./client_transaction.ts";
import type { SessionTimer, TimerNegotiation } from "./session_timer.ts";
import type { Timers } from "./timers.ts";
import type { LateOffer } from "./late_offer.ts";

/** One call: its INVITE transaction, dialog, offer and answer, metadata and timer. */
export interface Call {
  id: string;
  callId: string;
  localTag: string;
  from: PeerAddress;
  tx: InviteServerTransaction;
  dialog: Dialog | null;
  session: RecordingSession | null;
  offer: SessionOffer;
  answer: { origin: SdpOrigin; streams: AnsweredStream[]; sdp: string } | null;
  lastOfferOrigin: string;
  meta: RecordingMetadata;
  metadataXml: string | null;
  mapped: Record<string, string>;
  record: boolean;
  done: boolean;
  /** RFC 4028: what the last 2xx said, and the running timer. */
  timerNeg: TimerNegotiation;
  timer: SessionTimer;
  /** Our offer in the 2xx to an INVITE without SDP, until the ACK answers it. */
  lateOffer: LateOffer | null;
}

/** Answers the request at hand with `status`. */
export type Reply = (status: number, options?: ResponseOptions) => void;

/** Option tags a request may require of us (RFC 7866 siprec, RFC 4028 timer). */
export const REQUIRE_OK = new Set(["siprec", "timer"]);
/** The content type of an SDP body. */
export const SDP = "application/sdp";

/** The options of the SRS core that sessions read (see SiprecOptions in srs_core.ts). */
export interface SessionOptions {
  host: string;
  ports: PortAllocator;
  headerMap?: HeaderMap;
  log?: Logger;
  decide?: (offer: SessionOffer) => Promise<{ record: boolean }>;
  prepare?: (session: RecordingSession) => Promise<void>;
  retryAfter?: number;
  maxStreamsPerSession?: number;
  /** `rtp.srtp`: SRTP mode, and whether SDES keys may come over UDP/TCP SIP. */
  srtp?: { mode: SrtpPolicy["mode"]; allowOverPlainSip: boolean };
  sessionExpires?: number;
  minSE?: number;
}

/**
 * What a SessionTable needs of the SRS core that owns it: its options, the
 * admission gate and the transport helpers. The core passes itself.
 */
export interface SessionHost {
  readonly options: SessionOptions;
  refusal(): { retryAfter: number; reason: string } | null;
  sendTo(msg: SipRequest | SipResponse, to: PeerAddress): void;
  /** Sends a request of ours in a client transaction (retransmitted over UDP). */
  request(req: SipRequest, to: PeerAddress, onEnd?: (end: ClientTransactionEnd) => void): void;
  readonly timers: Timers;
  contact(transport: SipTransport, sips?: boolean): string;
  via(transport: SipTransport): string;
}

/** A `Warning: 399 host "text"` header (RFC 3261 §20.43), quotes made safe, text cut to 200. */
export function warning(host: string, text: string): [string, string] {
  return ["Warning", `399 ${host} "${text.replace(/"/g, "'").slice(0, 200)}"`];
}

/** The SRTP policy for an offer that came over `transport` (keys need TLS, RFC 4568 §8.3). */
export function srtpPolicy(options: SessionOptions, transport: string): SrtpPolicy {
  const { mode = "offered", allowOverPlainSip = false } = options.srtp ?? {};
  return { mode, sdesAllowed: transport === "tls" || allowOverPlainSip };
}

/** {@link checkOffer} under `rtp.srtp`; SDES keys refused over plain SIP get a log line. */
export function checkSecureOffer(
  options: SessionOptions,
  sdp: Parameters<typeof checkOffer>[0],
  req: SipRequest,
  transport: string,
): void {
  try {
    checkOffer(sdp, srtpPolicy(options, transport));
  } catch (error) {
    if (error instanceof SdpOfferError && error.warning.includes("RFC 4568 §8.3")) {
      options.log?.warn("SRTP offer refused: SDES keys need SIP over TLS", {
        transport,
        rule: "rtp.srtp.allowOverPlainSip",
        callId: req.headers.get("Call-ID") ?? "",
      });
    }
    throw error;
  }
}

/** The key telling a new offer from a repeated one: SDP origin version and body length. */
export function originKey(body: ParsedBody): string {
  const o = body.sdp?.origin;
  return o ? `${o.sessId}/${o.sessVersion}/${body.sdpText?.length ?? 0}` : "";
}

/** The call as the recorder sees it now; `paused` forces the paused flag. */
export function snapshot(call: Call, paused: boolean): RecordingSession {
  const participants = participantsOf(call.meta);
  const streams = streamsOf(call.answer?.streams ?? [], participants);
  const metadata = flatMetadata(call.meta, call.callId, call.mapped);
  return {
    id: call.id,
    sessionId: call.offer.sessionId,
    callId: call.callId,
    isSiprec: call.offer.isSiprec,
    participants,
    metadata,
    metadataXml: call.metadataXml,
    source: call.from,
    record: call.record,
    streams,
    paused: paused || isPaused(streams),
  };
}
