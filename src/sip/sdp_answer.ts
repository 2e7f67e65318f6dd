/**
 * SDP answer for a recording server (RFC 3264 §6, RFC 7866 §8.1): one m-line per
 * offered stream, `recvonly` (or `inactive`), our address, an even RTP port per
 * accepted stream (RTCP on +1), every codec we can record (PCMU, PCMA, G722, G729,
 * opus) plus telephone-event and CN, in the offer's order with its payload type
 * numbers and fmtp (RFC 3264 §6.1), port 0 for refused streams. SRTP streams
 * (RTP/SAVP, RTP/SAVPF) with SDES keys (RFC 4568) are answered with the first crypto
 * line we support and a key of our own, as `rtp.srtp` allows.
 *
 * Which m-lines we can record, and refusing an offer as a whole, are in
 * sdp_offer_check.ts (its exports are re-exported here).
 */
import {
  attributeValue,
  mediaConnection,
  mediaDirection,
  mediaFormats,
  type RtpFormat,
  type SdpAttribute,
  type SdpDirection,
  type SdpMedia,
  type SdpOrigin,
  type SdpSession,
} from "./sdp.ts";
import { answerCrypto, chooseCrypto, type SrtpKeys } from "./sdp_crypto.ts";
import {
  checkOffer,
  chooseCodecs,
  cryptoLines,
  isSecureProto,
  recordable,
  SdpOfferError,
  SRTP_OFFERED_OVER_TLS,
  type SrtpPolicy,
} from "./sdp_offer_check.ts";

export {
  checkOffer,
  isRecordableFormat,
  isSecureProto,
  RECORDABLE_CODECS,
  SdpOfferError,
  SRTP_OFFERED_OVER_TLS,
  type SrtpPolicy,
} from "./sdp_offer_check.ts";

/** Hands out even RTP ports; the stack never touches the sockets themselves. */
export interface PortAllocator {
  /** An even port (RTCP is port + 1), or null when none is free. */
  allocate(): number | null;
  release(port: number): void;
}

/** The negotiated codec of one stream. */
export interface StreamCodec {
  name: string;
  pt: number;
  clockRate: number;
  channels: number;
  /** The offered a=fmtp parameters (Opus maxplaybackrate, G.729 annexb…), if any. */
  fmtp?: string | null;
}

/** One answered m-line. Refused streams have port 0 and codec null. */
export interface AnsweredStream {
  /** Index of the m-line in the offer. */
  index: number;
  label: string | null;
  mid: string | null;
  port: number;
  rtcpPort: number;
  /** The first recordable codec the offer lists (the SRC's preference). */
  codec: StreamCodec | null;
  /** Every answered format, in the offer's order: audio codecs, telephone-event, CN. */
  codecs: StreamCodec[];
  telephoneEventPt: number | null;
  remoteAddr: string;
  remotePort: number;
  /** Where the SRC's RTCP comes from: a=rtcp (RFC 3605), else remoteAddr, remotePort + 1. */
  remoteRtcpAddr: string;
  remoteRtcpPort: number;
  /** Direction the SRC offered (`inactive` = paused by the SRC). */
  offeredDirection: SdpDirection;
  /** Direction we answered. */
  direction: SdpDirection;
  /** The SRC's SDES key for an SRTP stream (what we decrypt with), else null. */
  srtp: SrtpKeys | null;
  /** Our answer's `a=crypto` value (our own key, never used: we send nothing). */
  localCrypto: string | null;
}

/** Inputs of {@link buildAnswer}. */
export interface AnswerOptions {
  offer: SdpSession;
  /** Our advertised media address. */
  address: string;
  /** false → every stream `inactive` (call answered, nothing recorded). */
  record: boolean;
  ports: PortAllocator;
  /** The previous answer on this dialog, for port reuse and o= versioning. */
  previous: { origin: SdpOrigin; streams: AnsweredStream[] } | null;
  /** o= session id for a first answer. */
  sessionId: string;
  /** SRTP policy for this offer; default {@link SRTP_OFFERED_OVER_TLS}. */
  srtp?: SrtpPolicy;
}

/** Result of {@link buildAnswer}; `released` are previous ports no longer used. */
export interface Answer {
  sdp: SdpSession;
  streams: AnsweredStream[];
  released: number[];
}

/** RFC 3605 §2.1 `a=rtcp:port [nettype addrtype address]`; absent or bad: port + 1. */
function offeredRtcp(
  value: string | undefined,
  addr: string,
  port: number,
): { remoteRtcpAddr: string; remoteRtcpPort: number } {
  const m = value ? /^(\d{1,5})(?:\s+IN\s+IP[46]\s+(\S+))?\s*$/i.exec(value.trim()) : null;
  if (!m || Number(m[1]) > 65535) return { remoteRtcpAddr: addr, remoteRtcpPort: port + 1 };
  return { remoteRtcpAddr: m[2] ?? addr, remoteRtcpPort: Number(m[1]) };
}

function formatAttributes(f: RtpFormat): SdpAttribute[] {
  const enc = f.channels > 1
    ? `${f.name}/${f.clockRate}/${f.channels}`
    : `${f.name}/${f.clockRate}`;
  const out: SdpAttribute[] = [{ name: "rtpmap", value: `${f.pt} ${enc}` }];
  if (f.fmtp) out.push({ name: "fmtp", value: `${f.pt} ${f.fmtp}` });
  return out;
}

function refused(m: SdpMedia): SdpMedia {
  const formats = m.formats.length > 0 ? m.formats : ["0"];
  return { ...m, port: 0, portCount: null, formats, connection: null, lines: [], attributes: [] };
}

/** The stream's SRTP keys: the previous ones when the SRC kept its crypto line. */
function streamCrypto(
  m: SdpMedia,
  prev: AnsweredStream | undefined,
): { srtp: SrtpKeys | null; localCrypto: string | null } {
  if (!isSecureProto(m.proto)) return { srtp: null, localCrypto: null };
  const chosen = chooseCrypto(cryptoLines(m))!;
  if (prev?.srtp && prev.localCrypto && prev.srtp.sameKey(chosen.remote)) {
    return { srtp: prev.srtp, localCrypto: prev.localCrypto };
  }
  return { srtp: chosen.remote, localCrypto: answerCrypto(chosen) };
}

/**
 * Build the answer. Throws {@link SdpOfferError} 488 for SRTP or no recordable audio
 * stream, 503 when the allocator runs dry (ports taken by this call are returned).
 */
export function buildAnswer(opts: AnswerOptions): Answer {
  const { offer, ports } = opts;
  const policy = opts.srtp ?? SRTP_OFFERED_OVER_TLS;
  checkOffer(offer, policy);
  const prev = new Map((opts.previous?.streams ?? []).map((s) => [s.index, s]));
  const fresh: number[] = [];
  const streams: AnsweredStream[] = [];
  const media: SdpMedia[] = [];
  for (const [index, m] of offer.media.entries()) {
    const { codec, te, kept } = chooseCodecs(mediaFormats(m));
    const usable = recordable(m, policy);
    const offeredDirection = mediaDirection(offer, m);
    const label = attributeValue(m.attributes, "label") ?? null;
    const mid = attributeValue(m.attributes, "mid") ?? null;
    const remote = mediaConnection(offer, m);
    const remoteAddr = remote?.address ?? "";
    const rtcp = offeredRtcp(attributeValue(m.attributes, "rtcp"), remoteAddr, m.port);
    const base = { index, label, mid, remoteAddr, remotePort: m.port, ...rtcp };
    if (!usable) {
      streams.push({
        ...base,
        port: 0,
        rtcpPort: 0,
        codec: null,
        codecs: [],
        telephoneEventPt: null,
        offeredDirection,
        direction: "inactive",
        srtp: null,
        localCrypto: null,
      });
      media.push(refused(m));
      continue;
    }
    let port = prev.get(index)?.port ?? 0;
    if (port === 0) {
      const got = ports.allocate();
      if (got === null) {
        for (const p of fresh) ports.release(p);
        throw new SdpOfferError(503, "No RTP port free");
      }
      fresh.push(got);
      port = got;
    }
    const sending = offeredDirection === "sendonly" || offeredDirection === "sendrecv";
    const direction: SdpDirection = opts.record && sending ? "recvonly" : "inactive";
    const chosen = kept;
    const keys = streamCrypto(m, prev.get(index));
    const attributes: SdpAttribute[] = [
      ...(label !== null ? [{ name: "label", value: label }] : []),
      ...(mid !== null ? [{ name: "mid", value: mid }] : []),
      ...chosen.flatMap(formatAttributes),
      ...m.attributes.filter((a) => a.name.toLowerCase() === "ptime"),
      ...(keys.localCrypto !== null ? [{ name: "crypto", value: keys.localCrypto }] : []),
      { name: direction, value: null },
    ];
    media.push({
      type: m.type,
      port,
      portCount: null,
      proto: m.proto,
      formats: chosen.map((f) => String(f.pt)),
      connection: null,
      lines: [],
      attributes,
    });
    const c = codec!;
    streams.push({
      ...base,
      port,
      rtcpPort: port + 1,
      codec: { name: c.name, pt: c.pt, clockRate: c.clockRate, channels: c.channels },
      codecs: kept.map((f) => ({ ...f })),
      telephoneEventPt: te?.pt ?? null,
      offeredDirection,
      direction,
      ...keys,
    });
  }
  const kept = new Set(streams.map((s) => s.port));
  const released = [...prev.values()].map((s) => s.port).filter((p) => p !== 0 && !kept.has(p));
  const addrType = opts.address.includes(":") ? "IP6" : "IP4";
  const origin: SdpOrigin = opts.previous
    ? {
      ...opts.previous.origin,
      address: opts.address,
      sessVersion: String(BigInt(opts.previous.origin.sessVersion) + 1n),
    }
    : {
      username: "selrec",
      sessId: opts.sessionId,
      sessVersion: "1",
      netType: "IN",
      addrType,
      address: opts.address,
    };
  const sdp: SdpSession = {
    version: 0,
    origin,
    sessionName: "selrec",
    connection: { netType: "IN", addrType, address: opts.address },
    lines: [{ type: "t", value: "0 0" }],
    attributes: [],
    media,
  };
  return { sdp, streams, released };
}
