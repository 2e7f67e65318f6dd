/**
 * RTP fixed header parse and serialize (RFC 3550 §5.1, header extension §5.3.1).
 * Parsing returns views into the input buffer: the payload is never copied, so a
 * caller that keeps the packet past the life of the buffer must copy the bytes first.
 */

/** One parsed RTP packet. `payload` and `extension.data` are views of the input. */
export interface RtpPacket {
  /** Always 2 (RFC 3550 §5.1). */
  version: 2;
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** Header extension (§5.3.1), or null when the X bit is clear. */
  extension: RtpExtension | null;
  payload: Uint8Array;
  /** Padding octets removed from the end, counting the count octet; 0 when P is clear. */
  paddingLength: number;
}

/** RTP header extension (RFC 3550 §5.3.1). `data` length is a multiple of 4. */
export interface RtpExtension {
  profile: number;
  data: Uint8Array;
}

const HEADER_LENGTH = 12;
const VERSION_SHIFT = 6;
const VERSION_MASK = 0x3;
const PADDING_BIT = 0x20;
const EXTENSION_BIT = 0x10;
const CSRC_COUNT_MASK = 0x0f;
const MARKER_BIT = 0x80;
const PAYLOAD_TYPE_MASK = 0x7f;

/*
 * RFC 3550 §5.1 RTP fixed header:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |           length              |  (§5.3.1, if X)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        header extension                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/**
 * Parse one RTP packet. Throws RangeError when the buffer is shorter than the header
 * it announces, SyntaxError when the version is not 2 or the padding count is invalid.
 */
export function parseRtpPacket(buf: Uint8Array): RtpPacket {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < HEADER_LENGTH) {
    throw new RangeError(
      `Cannot parse RTP packet: ${buf.byteLength} bytes is shorter than the header`,
    );
  }
  const b0 = view.getUint8(0);
  const version = (b0 >> VERSION_SHIFT) & VERSION_MASK;
  if (version !== 2) throw new SyntaxError(`Cannot parse RTP packet: version is "${version}"`);
  const b1 = view.getUint8(1);
  const csrcCount = b0 & CSRC_COUNT_MASK;
  let offset = HEADER_LENGTH;
  if (buf.byteLength < offset + csrcCount * 4) {
    throw new RangeError(`Cannot parse RTP packet: CSRC list of "${csrcCount}" is truncated`);
  }
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++, offset += 4) csrc.push(view.getUint32(offset));
  let extension: RtpExtension | null = null;
  if (b0 & EXTENSION_BIT) {
    if (buf.byteLength < offset + 4) {
      throw new RangeError("Cannot parse RTP packet: extension header is truncated");
    }
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
    offset += 4;
    if (buf.byteLength < offset + words * 4) {
      throw new RangeError(`Cannot parse RTP packet: extension of "${words}" words is truncated`);
    }
    extension = { profile, data: buf.subarray(offset, offset + words * 4) };
    offset += words * 4;
  }
  let end = buf.byteLength;
  let paddingLength = 0;
  if (b0 & PADDING_BIT) {
    if (end <= offset) throw new RangeError("Cannot parse RTP packet: padding count is missing");
    paddingLength = view.getUint8(end - 1);
    if (paddingLength === 0 || paddingLength > end - offset) {
      throw new SyntaxError(
        `Cannot parse RTP packet: padding length "${paddingLength}" is invalid`,
      );
    }
    end -= paddingLength;
  }
  return {
    version: 2,
    marker: (b1 & MARKER_BIT) !== 0,
    payloadType: b1 & PAYLOAD_TYPE_MASK,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrc,
    extension,
    payload: buf.subarray(offset, end),
    paddingLength,
  };
}

/** Fields accepted by {@link serializeRtpPacket}; omitted ones default to zero/empty. */
export type RtpPacketInit =
  & Pick<RtpPacket, "payloadType" | "sequenceNumber" | "timestamp" | "ssrc" | "payload">
  & Partial<Pick<RtpPacket, "marker" | "csrc" | "extension" | "paddingLength">>;

/**
 * Serialize an RTP packet (inverse of {@link parseRtpPacket}). Padding octets are zero
 * with the count in the last one. Throws RangeError on out-of-range fields.
 */
export function serializeRtpPacket(p: RtpPacketInit): Uint8Array {
  const csrc = p.csrc ?? [];
  const ext = p.extension ?? null;
  const padding = p.paddingLength ?? 0;
  if (csrc.length > 15) throw new RangeError(`CSRC count "${csrc.length}" exceeds 15`);
  if (p.payloadType < 0 || p.payloadType > 127) {
    throw new RangeError(`Payload type "${p.payloadType}" is out of range`);
  }
  if (padding < 0 || padding > 255) throw new RangeError(`Padding "${padding}" is out of range`);
  if (ext && (ext.data.byteLength % 4 !== 0 || ext.data.byteLength > 0xffff * 4)) {
    throw new RangeError(`Extension length "${ext.data.byteLength}" is not a multiple of 4`);
  }
  const extLength = ext ? 4 + ext.data.byteLength : 0;
  const total = HEADER_LENGTH + csrc.length * 4 + extLength + p.payload.byteLength + padding;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint8(
    0,
    (2 << VERSION_SHIFT) | (padding ? PADDING_BIT : 0) | (ext ? EXTENSION_BIT : 0) | csrc.length,
  );
  view.setUint8(1, (p.marker ? MARKER_BIT : 0) | p.payloadType);
  view.setUint16(2, p.sequenceNumber & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let offset = HEADER_LENGTH;
  for (const c of csrc) {
    view.setUint32(offset, c >>> 0);
    offset += 4;
  }
  if (ext) {
    view.setUint16(offset, ext.profile & 0xffff);
    view.setUint16(offset + 2, ext.data.byteLength / 4);
    out.set(ext.data, offset + 4);
    offset += extLength;
  }
  out.set(p.payload, offset);
  if (padding) view.setUint8(total - 1, padding);
  return out;
}
