/**
 * What the recorder needs to know about a recording session, independent of how it
 * was signalled (SIPREC, a plain RTP fork with X-headers, or the call API).
 */

import type { SrtpKeys } from "../sip/sdp_crypto.ts";

/** Codecs the recorder decodes, and the non-audio formats it accounts for. */
export type RecordedCodecName =
  | "PCMU"
  | "PCMA"
  | "G722"
  | "G729"
  | "opus"
  | "telephone-event"
  | "CN";

/** One negotiated media stream. */
export interface SessionStream {
  /** SDP a=label (RFC 4574), or the m-line index when absent. */
  label: string;
  /** Our RTP port from the answer (RTCP on +1); 0 when refused. */
  port: number;
  /** Payload types we accepted, with their codecs. */
  codecs: { pt: number; name: RecordedCodecName; clockRate: number; fmtp?: string | null }[];
  /** Where the offer said the stream's RTP and RTCP come from (absent: not signalled). */
  remote?: { address: string; port: number; rtcpAddress: string; rtcpPort: number };
  /** SRTP: the SRC's SDES key (prints as its suite only); absent or null: plain RTP. */
  srtp?: SrtpKeys | null;
}

/** A participant from RFC 7865 metadata (or headers). */
export interface SessionParticipant {
  id: string;
  aor: string | null;
  name: string | null;
  /** Labels of the streams this participant sends. */
  sends: string[];
}

/** A recording session as the recorder sees it. */
export interface SessionInfo {
  /** Unique per recording session in this process (SIP: Call-ID + our tag). */
  key: string;
  /** SIPREC session id (RFC 7865 sipSessionID) or, for plain forks, the Call-ID. */
  sessionId: string;
  /** SIP Call-ID of the recording session. */
  sipCallId: string;
  source: "siprec" | "fork" | "api";
  streams: SessionStream[];
  participants: SessionParticipant[];
  /** Address of the signalling peer (the SRC or SBC), for the media source policy. */
  signallingAddress?: string;
  /**
   * Transport the session's SIP arrived over: `tls` means the SDP (and any SDES key in
   * it, RFC 4568 §8.3) was protected on the last hop. Absent for API sessions.
   */
  signallingTransport?: "udp" | "tcp" | "tls";
  /** Flattened metadata: attached data, extension data, mapped headers. */
  metadata: Record<string, string>;
}
