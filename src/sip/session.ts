/**
 * What the recorder sees of a recording session: streams (ports, codecs, labels),
 * participants (who sends which stream), and metadata, built from the SDP answer
 * and RFC 7865 metadata (or SIP headers when an SRC sends none).
 */
import type { SipHeaders } from "./headers.ts";
import type { PeerAddress } from "./dialog.ts";
import type { RecordingMetadata } from "./metadata.ts";
import type { AnsweredStream, StreamCodec } from "./sdp_answer.ts";
import type { SdpDirection } from "./sdp.ts";
import type { SrtpKeys } from "./sdp_crypto.ts";

/** One recorded stream. Only accepted streams (non-zero port) are listed. */
export interface StreamInfo {
  /** SDP `a=label` (RFC 4574), or the m-line index as a string when absent. */
  label: string;
  mid: string | null;
  /** m-line index in the offer. */
  index: number;
  /** Our RTP port; RTCP is on `rtcpPort` (= port + 1). */
  port: number;
  rtcpPort: number;
  /** The first recordable codec of the answer (the SRC's preference). */
  codec: StreamCodec;
  /** Every answered format in the offer's order (audio codecs, telephone-event, CN). */
  codecs: StreamCodec[];
  telephoneEventPt: number | null;
  remoteAddr: string;
  remotePort: number;
  /** The SRC's RTCP address and port (a=rtcp, else remotePort + 1). */
  remoteRtcpAddr: string;
  remoteRtcpPort: number;
  /** Our answered direction: `recvonly` (recording) or `inactive`. */
  direction: SdpDirection;
  /** Direction the SRC offered; `inactive` = paused by the SRC. */
  offeredDirection: SdpDirection;
  /** Ids of the participants sending on this stream. */
  participantIds: string[];
  /** SRTP (SDES) key the SRC sends with, or null for plain RTP. Never printed. */
  srtp: SrtpKeys | null;
}

/** One participant; `sends`/`receives` are stream labels. */
export interface ParticipantInfo {
  id: string;
  aor: string | null;
  name: string | null;
  sends: string[];
  receives: string[];
  extensions: Record<string, string>;
}

/** An offered stream, before ports are allocated (what `decide` sees). */
export interface OfferedStream {
  label: string;
  index: number;
  codec: StreamCodec | null;
  remoteAddr: string;
  remotePort: number;
  offeredDirection: SdpDirection;
}

/** Fields shared by an offer under decision and a running session. */
export interface SessionBase {
  /** Unique per recording session in this process (Call-ID + our tag). */
  id: string;
  /** RFC 7865 session_id when present, else the Call-ID. */
  sessionId: string;
  callId: string;
  /** True for SIPREC (`+sip.src` / `Require: siprec` / metadata present). */
  isSiprec: boolean;
  participants: ParticipantInfo[];
  /** Flat key/values for rules and search (extensions, mapped headers, ids). */
  metadata: Record<string, string>;
  /** The metadata XML exactly as received (latest), or null. */
  metadataXml: string | null;
  source: PeerAddress;
}

/** Input of the `decide` hook. */
export interface SessionOffer extends SessionBase {
  streams: OfferedStream[];
  headers: SipHeaders;
}

/** A running session as carried by every event. */
export interface RecordingSession extends SessionBase {
  /** Outcome of `decide`: false → all streams answered `inactive`. */
  record: boolean;
  streams: StreamInfo[];
  /** All streams inactive on the SRC's side. */
  paused: boolean;
}

/**
 * Why a session ended. `cancel`/`error` may end an offer that never started;
 * `session-expired`: no RFC 4028 refresh in time; `media-timeout`: the recorder asked
 * (no RTP/RTCP for `rtp.inactivitySeconds`). We sent BYE for both.
 */
export type EndReason =
  | "bye"
  | "cancel"
  | "timeout"
  | "error"
  | "shutdown"
  | "session-expired"
  | "media-timeout";

/** What changed in a `session-updated` event (labels). */
export interface SessionChanges {
  streamsAdded: string[];
  streamsRemoved: string[];
  /** Streams whose codec, payload type, port or SRTP key changed. */
  streamsChanged: string[];
  participants: boolean;
  metadata: boolean;
}

/** Event payloads by name. */
export interface SiprecEventMap {
  "session-started": { session: RecordingSession };
  "session-updated": { session: RecordingSession; changes: SessionChanges };
  "session-paused": { session: RecordingSession; source: "src" };
  "session-resumed": { session: RecordingSession; source: "src" };
  "session-ended": {
    id: string;
    sessionId: string;
    callId: string;
    reason: EndReason;
    /** The last state, or null when the offer ended before it was answered. */
    session: RecordingSession | null;
  };
}

/** Label of an answered stream: `a=label`, else the m-line index. */
export function streamLabel(s: { label: string | null; index: number }): string {
  return s.label ?? String(s.index);
}

/** Participants with stream ids resolved to SDP labels. */
export function participantsOf(meta: RecordingMetadata): ParticipantInfo[] {
  const labelOf = new Map(meta.streams.map((s) => [s.id, s.label ?? s.id]));
  const resolve = (ids: string[]) => ids.map((id) => labelOf.get(id) ?? id);
  return meta.participants.map((p) => ({
    id: p.id,
    aor: p.aor,
    name: p.name,
    sends: resolve(p.sends),
    receives: resolve(p.receives),
    extensions: { ...p.extensions },
  }));
}

/** Flat metadata: ids, then extensions, then participant extensions (first wins). */
export function flatMetadata(
  meta: RecordingMetadata,
  callId: string,
  mapped: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = { callId };
  const s = meta.sessions[0];
  if (s?.id) out.sessionId = s.id;
  if (s?.sipSessionIds[0]) out.sipSessionId = s.sipSessionIds[0];
  if (meta.groups[0]) out.groupId = meta.groups[0];
  for (const [k, v] of Object.entries({ ...mapped, ...meta.extensions })) out[k] ??= v;
  for (const p of meta.participants) {
    for (const [k, v] of Object.entries(p.extensions)) out[k] ??= v;
  }
  return out;
}

/** Accepted streams with their senders. */
export function streamsOf(
  answered: AnsweredStream[],
  participants: ParticipantInfo[],
): StreamInfo[] {
  return answered.filter((s) => s.port !== 0 && s.codec !== null).map((s) => {
    const label = streamLabel(s);
    return {
      label,
      mid: s.mid,
      index: s.index,
      port: s.port,
      rtcpPort: s.rtcpPort,
      codec: s.codec!,
      codecs: s.codecs,
      telephoneEventPt: s.telephoneEventPt,
      remoteAddr: s.remoteAddr,
      remotePort: s.remotePort,
      remoteRtcpAddr: s.remoteRtcpAddr,
      remoteRtcpPort: s.remoteRtcpPort,
      direction: s.direction,
      offeredDirection: s.offeredDirection,
      participantIds: participants.filter((p) => p.sends.includes(label)).map((p) => p.id),
      srtp: s.srtp,
    };
  });
}

/** True when every stream is inactive from the SRC side (RFC 7866 §8.1.4 pause). */
export function isPaused(streams: StreamInfo[]): boolean {
  return streams.length > 0 &&
    streams.every((s) => s.offeredDirection === "inactive" || s.offeredDirection === "recvonly");
}

/** Difference between two states of a session. */
export function diffSessions(a: RecordingSession, b: RecordingSession): SessionChanges {
  const before = new Map(a.streams.map((s) => [s.label, s]));
  const after = new Map(b.streams.map((s) => [s.label, s]));
  const sig = (s: StreamInfo) =>
    `${s.port}/${s.codecs.map((c) => `${c.name}:${c.pt}:${c.clockRate}:${c.fmtp ?? ""}`)}/${
      s.srtp?.generation ?? 0
    }`;
  return {
    streamsAdded: [...after.keys()].filter((l) => !before.has(l)),
    streamsRemoved: [...before.keys()].filter((l) => !after.has(l)),
    streamsChanged: [...after.keys()].filter((l) =>
      before.has(l) && sig(before.get(l)!) !== sig(after.get(l)!)
    ),
    participants: JSON.stringify(a.participants) !== JSON.stringify(b.participants),
    metadata: JSON.stringify(a.metadata) !== JSON.stringify(b.metadata),
  };
}

/** True when {@link diffSessions} found anything. */
export function hasChanges(c: SessionChanges): boolean {
  return c.streamsAdded.length > 0 || c.streamsRemoved.length > 0 || c.streamsChanged.length > 0 ||
    c.participants || c.metadata;
}
