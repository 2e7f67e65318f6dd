/**
 * What the SRS core is configured with and what it reports: the options shared by
 * SiprecCore and SiprecServer, the `admit` hook's answer, the monitoring hooks and
 * counters, the send hook, and the capabilities we advertise (RFC 3261 §20.1 Accept,
 * §20.5 Allow, §20.37 Supported; RFC 7866 §6.1.1, RFC 4028).
 */
import type { Logger } from "../log.ts";
import type { PeerAddress } from "./dialog.ts";
import type { HeaderMap } from "./metadata_headers.ts";
import type { PortAllocator } from "./sdp_answer.ts";
import type { RecordingSession, SessionOffer } from "./session.ts";
import type { Timers } from "./timers.ts";

/** Result of the `admit` hook. */
export type Admission = { ok: true } | {
  ok: false;
  status: 503;
  retryAfter: number;
  reason: string;
};

/** Options shared by `SiprecCore` and `SiprecServer`. */
export interface SiprecOptions {
  /** IP advertised in Contact and SDP. */
  host: string;
  udpPort: number;
  tcpPort: number;
  /** SIP over TLS port (RFC 3261 §26.2); absent when TLS is off. */
  tlsPort?: number;
  ports: PortAllocator;
  maxSessions: number;
  /** SIP header → metadata key, applied to every INVITE. */
  headerMap?: HeaderMap;
  timers?: Timers;
  log?: Logger;
  /** Per new INVITE and OPTIONS: refuse with 503 (storage critical, draining…). */
  admit?: () => Admission;
  /** Monitoring hooks; called synchronously, must not throw. */
  observe?: SipObserver;
  /** Record or not; `record: false` answers every stream `inactive`. */
  decide?: (offer: SessionOffer) => Promise<{ record: boolean }>;
  /**
   * Awaited after `session-started` and before the 200 OK: the recorder binds its RTP
   * sockets here, so the first packets the SRC sends after the answer are not lost.
   */
  prepare?: (session: RecordingSession) => Promise<void>;
  maxMessageBytes?: number;
  /** Retry-After seconds for capacity/drain 503s. */
  retryAfter?: number;
  /** Active audio streams one offer may hold (`sip.maxStreamsPerSession`); more → 488. */
  maxStreamsPerSession?: number;
  /** `rtp.srtp`: off | offered | required, and SDES keys over plain SIP (default no). */
  srtp?: { mode: "off" | "offered" | "required"; allowOverPlainSip: boolean };
  /** Addresses/CIDRs allowed to send SIP (`sip.allowFrom`); empty or absent: any. */
  allowFrom?: readonly string[];
  /** New INVITEs per second per source address; over it → 503 (0: no limit). */
  invitesPerSecondPerSource?: number;
  /** How many new INVITEs a source may send at once after a quiet spell. */
  inviteBurstPerSource?: number;
  /** RFC 4028 interval we ask for (`sip.sessionExpires`, seconds; default 1800). */
  sessionExpires?: number;
  /** Smallest Session-Expires we accept (`sip.minSE`, seconds; default 90); less → 422. */
  minSE?: number;
  /** `sip.tls.required`: requests over UDP/TCP get 403 naming the rule. */
  tlsRequired?: boolean;
}

/** Methods we implement (RFC 3261 §20.5 Allow). */
export const ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO";
/** Bodies we accept (RFC 3261 §20.1). */
export const ACCEPT =
  "application/sdp, multipart/mixed, application/rs-metadata+xml, application/rs-metadata";
/** Option tags we support (RFC 7866 §6.1.1). */
export const SUPPORTED = "siprec, timer";

/** Per-event hooks for monitoring (histograms and labelled counters live outside the leaf). */
export interface SipObserver {
  /** A server transaction's first final response: method and seconds since the request. */
  transaction?(method: string, seconds: number): void;
  /** A response sent (retransmissions included): the CSeq method and status code. */
  response?(method: string, status: number): void;
}

/** Counters for monitoring. */
export interface SipStats {
  received: number;
  malformed: number;
  dropped: number;
  retransmissions: number;
  responsesSent: number;
  /** Dropped unanswered: the source is not in `allowFrom`. */
  refusedSource: number;
  /** New INVITEs answered 503: their source is over its rate. */
  rateLimited: number;
  /** Requests we sent (BYE, UPDATE refresh), retransmissions included. */
  requestsSent: number;
  /** Our requests that got no response before Timer F. */
  requestTimeouts: number;
  /** Requests refused for their transport: plain SIP under `sip.tls.required`, sips: not over TLS. */
  refusedTransport: number;
}

/** Send hook: a serialized message and where it goes. */
export type SendFn = (bytes: Uint8Array, to: PeerAddress) => void;
