/** Public surface of the SIPREC recording-server stack. */
export { SiprecServer } from "./srs.ts";
export { DEFAULT_TCP_LIMITS, type TcpLimits, type TcpStats } from "./transport_tcp.ts";
export {
  ACCEPT,
  type Admission,
  ALLOW,
  SiprecCore,
  type SiprecOptions,
  type SipStats,
  SUPPORTED,
} from "./srs_core.ts";
export type {
  EndReason,
  OfferedStream,
  ParticipantInfo,
  RecordingSession,
  SessionChanges,
  SessionOffer,
  SiprecEventMap,
  StreamInfo,
} from "./session.ts";
export type { PortAllocator, StreamCodec } from "./sdp_answer.ts";
export type { PeerAddress } from "./dialog.ts";
export type { HeaderMap } from "./metadata_headers.ts";
export { FakeTimers, realTimers, type Timers } from "./timers.ts";
export {
  buildSiprecBody,
  buildSiprecInvite,
  buildSiprecMetadata,
  buildSiprecSdp,
  type InviteAddressing,
  type OfferParticipant,
  type OfferStream,
  type SiprecOfferOptions,
} from "./siprec_offer.ts";
export { parseSipMessage, serializeSipMessage, SipParseError } from "./message.ts";
