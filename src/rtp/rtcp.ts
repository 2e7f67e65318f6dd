/**
 * Compound RTCP parsing (RFC 3550 §6.1): sender reports (§6.4.1) give the NTP ↔ RTP
 * timestamp mapping; other packet types are counted and skipped.
 */

/** A sender report's mapping of wallclock (NTP) to RTP time, with its counters. */
export interface SenderReport {
  ssrc: number;
  /** NTP timestamp as Unix epoch milliseconds (fractional). */
  ntpMs: number;
  /** The RTP timestamp that corresponds to `ntpMs`. */
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** Result of {@link parseRtcpCompound}. */
export interface RtcpCompound {
  senderReports: SenderReport[];
  /** Packet types other than SR, in order (e.g. 201 RR, 202 SDES, 203 BYE). */
  otherTypes: number[];
}

const RTCP_SR = 200;
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/*
 * RFC 3550 §6.4.1 sender report:
 *
 *         0                   1                   2                   3
 *         0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * header |V=2|P|    RC   |   PT=SR=200   |             length            |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         SSRC of sender                        |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * sender |              NTP timestamp, most significant word             |
 * info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |             NTP timestamp, least significant word             |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                         RTP timestamp                         |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                     sender's packet count                     |
 *        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        |                      sender's octet count                     |
 *        +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *        |                  report blocks (RC × 24 bytes)                |
 */

/**
 * Parse a compound RTCP packet. Throws RangeError when a length runs past the buffer,
 * SyntaxError on a version other than 2 or a sender report too short for its fields.
 */
export function parseRtcpCompound(buf: Uint8Array): RtcpCompound {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpCompound = { senderReports: [], otherTypes: [] };
  if (buf.length < 4) throw new RangeError(`Cannot parse RTCP: "${buf.length}" bytes`);
  let o = 0;
  while (o < buf.length) {
    if (o + 4 > buf.length) {
      throw new RangeError(`Cannot parse RTCP: header at "${o}" is truncated`);
    }
    const b0 = view.getUint8(o);
    if (b0 >> 6 !== 2) throw new SyntaxError(`Cannot parse RTCP: version is "${b0 >> 6}"`);
    const pt = view.getUint8(o + 1);
    const length = (view.getUint16(o + 2) + 1) * 4;
    if (o + length > buf.length) {
      throw new RangeError(`Cannot parse RTCP: packet of "${length}" bytes is truncated`);
    }
    if (pt === RTCP_SR) {
      if (length < 28) {
        throw new SyntaxError(`Cannot parse RTCP SR: length "${length}" is too short`);
      }
      const sec = view.getUint32(o + 8);
      const frac = view.getUint32(o + 12);
      out.senderReports.push({
        ssrc: view.getUint32(o + 4),
        ntpMs: (sec - NTP_UNIX_OFFSET_S) * 1000 + (frac / 2 ** 32) * 1000,
        rtpTimestamp: view.getUint32(o + 16),
        packetCount: view.getUint32(o + 20),
        octetCount: view.getUint32(o + 24),
      });
    } else {
      out.otherTypes.push(pt);
    }
    o += length;
  }
  return out;
}

/** Build a minimal SR packet (no report blocks), e.g. for tests and the load client. */
export function serializeSenderReport(sr: SenderReport): Uint8Array {
  const out = new Uint8Array(28);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x80);
  view.setUint8(1, RTCP_SR);
  view.setUint16(2, 6);
  view.setUint32(4, sr.ssrc >>> 0);
  const ntpS = sr.ntpMs / 1000 + NTP_UNIX_OFFSET_S;
  const sec = Math.floor(ntpS);
  view.setUint32(8, sec >>> 0);
  view.setUint32(12, Math.floor((ntpS - sec) * 2 ** 32) >>> 0);
  view.setUint32(16, sr.rtpTimestamp >>> 0);
  view.setUint32(20, sr.packetCount >>> 0);
  view.setUint32(24, sr.octetCount >>> 0);
  return out;
}
