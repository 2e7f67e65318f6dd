/**
 * Reading a recording offer out of an INVITE/UPDATE: body shapes (RFC 7866 §9),
 * SIPREC detection (§6.1.1: `+sip.src` Contact feature tag, `Require: siprec`),
 * metadata (RFC 7865, or SIP headers when absent) and the offered streams.
 */
import { parseNameAddr } from "./address.ts";
import type { SipRequest } from "./message.ts";
import { parseMetadata, type RecordingMetadata } from "./metadata.ts";
import { type HeaderMap, mapHeaders, metadataFromHeaders } from "./metadata_headers.ts";
import { extractSiprecBody } from "./multipart.ts";
import {
  attributeValue,
  mediaConnection,
  mediaDirection,
  mediaFormats,
  parseSdp,
  type SdpSession,
} from "./sdp.ts";
import { RECORDABLE_CODECS, SdpOfferError } from "./sdp_answer.ts";
import type { OfferedStream } from "./session.ts";

/** The useful content of a request body. */
export interface ParsedBody {
  sdp: SdpSession | null;
  sdpText: string | null;
  metadataXml: string | null;
  /** Parsed metadata, or null when absent or unparseable (see `metadataError`). */
  metadata: RecordingMetadata | null;
  metadataError: string | null;
}

/**
 * Read SDP and metadata. Bad multipart framing or SDP throws SipParseError (→ 400);
 * bad metadata does not: the call is still recorded, with header metadata.
 */
export function readBody(req: SipRequest): ParsedBody {
  const { sdp: sdpText, metadata: metadataXml } = extractSiprecBody(
    req.headers.get("Content-Type"),
    req.body,
  );
  const sdp = sdpText === null ? null : parseSdp(sdpText);
  let metadata: RecordingMetadata | null = null;
  let metadataError: string | null = null;
  if (metadataXml !== null) {
    try {
      metadata = parseMetadata(metadataXml);
    } catch (error) {
      metadataError = error instanceof Error ? error.message : String(error);
    }
  }
  return { sdp, sdpText, metadataXml, metadata, metadataError };
}

/**
 * SIPREC if Contact carries `+sip.src` (or AudioCodes' bare `src`), Require or
 * Supported lists `siprec`, or the body carries recording metadata.
 */
export function isSiprecRequest(req: SipRequest, hasMetadata: boolean): boolean {
  if (hasMetadata || req.headers.tokens("Require").includes("siprec")) return true;
  for (const c of req.headers.getAll("Contact")) {
    try {
      const params = parseNameAddr(c).params;
      if (params.has("+sip.src") || params.has("src")) return true;
    } catch {
      // a broken Contact does not make it SIPREC
    }
  }
  return false;
}

/** Offered m-lines as the recorder will know them (label = a=label or index). */
export function offeredStreams(sdp: SdpSession): OfferedStream[] {
  return sdp.media.map((m, index) => {
    const codec = mediaFormats(m).find((f) => RECORDABLE_CODECS.has(f.name.toLowerCase()));
    return {
      label: attributeValue(m.attributes, "label") ?? String(index),
      index,
      codec: codec
        ? { name: codec.name, pt: codec.pt, clockRate: codec.clockRate, channels: codec.channels }
        : null,
      remoteAddr: mediaConnection(sdp, m)?.address ?? "",
      remotePort: m.port,
      offeredDirection: mediaDirection(sdp, m),
    };
  });
}

/**
 * Refuse an offer with more active audio streams (m=audio with a non-zero port: each
 * takes an RTP/RTCP port pair) than `max` (`sip.maxStreamsPerSession`) → 488 naming the
 * limit, before any port is taken. Streams set to port 0 by a re-offer do not count.
 */
export function checkStreamCount(sdp: SdpSession, max: number | undefined): void {
  if (max === undefined) return;
  const n = sdp.media.filter((m) => m.port !== 0 && m.type.toLowerCase() === "audio").length;
  if (n > max) {
    throw new SdpOfferError(
      488,
      `Too many audio streams: ${n} offered, at most ${max} per session (sip.maxStreamsPerSession)`,
    );
  }
}

/** Metadata from the body, or synthesized from headers; plus mapped X-headers. */
export function offerMetadata(
  req: SipRequest,
  body: ParsedBody,
  headerMap: HeaderMap,
): { metadata: RecordingMetadata; mapped: Record<string, string> } {
  const mapped = mapHeaders(req.headers, headerMap);
  if (body.metadata) return { metadata: body.metadata, mapped };
  const audio = body.sdp ? offeredStreams(body.sdp).filter((s) => s.codec !== null) : [];
  return {
    metadata: metadataFromHeaders(req.headers, audio.map((s) => s.label), headerMap),
    mapped,
  };
}
