/**
 * Ogg bitstream pages (RFC 3533 §6): page writer with segment tables, continued
 * packets, granule positions and BOS/EOS flags; page reader that checks the CRC;
 * packet reassembly; and the last-valid-page search used to recover truncated files.
 */

/** header_type flag: the page starts with the continuation of a packet. */
export const OGG_CONTINUED = 0x01;
/** header_type flag: first page of a logical bitstream. */
export const OGG_BOS = 0x02;
/** header_type flag: last page of a logical bitstream. */
export const OGG_EOS = 0x04;
/** Granule value meaning "no packet finishes on this page". */
export const OGG_NO_GRANULE = -1;

const HEADER_LENGTH = 27;
const MAX_SEGMENTS = 255;
const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg CRC-32: polynomial 0x04c11db7, initial 0, no reflection, no final xor. */
export function oggCrc32(bytes: Uint8Array, crc = 0): number {
  for (let i = 0; i < bytes.length; i++) {
    crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff];
  }
  return crc >>> 0;
}

/** One Ogg page as read or to be written. `granule` is -1 when no packet ends here. */
export interface OggPage {
  headerType: number;
  granule: number;
  serial: number;
  sequence: number;
  /** Lacing values (segment table). */
  segments: Uint8Array;
  body: Uint8Array;
}

/*
 * RFC 3533 §6 page header:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1| Byte
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | capture_pattern: Magic number for page start "OggS"           | 0-3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | version       | header_type   | granule_position              | 4-7
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                                                               | 8-11
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | bitstream_serial_number       | 12-15
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               | page_sequence_number          | 16-19
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               | CRC_checksum                  | 20-23
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |page_segments  | segment_table | 24-27
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | ...                                                           | 28-
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/** Serialize one page and fill in its CRC. Throws RangeError on a bad segment table. */
export function encodeOggPage(page: OggPage): Uint8Array {
  const n = page.segments.length;
  if (n > MAX_SEGMENTS) throw new RangeError(`Ogg page has "${n}" segments, more than 255`);
  const bodyLength = page.segments.reduce((a, b) => a + b, 0);
  if (bodyLength !== page.body.length) {
    throw new RangeError(`Ogg segment table sums to "${bodyLength}", body is ${page.body.length}`);
  }
  const out = new Uint8Array(HEADER_LENGTH + n + bodyLength);
  const view = new DataView(out.buffer);
  out.set(CAPTURE, 0);
  view.setUint8(5, page.headerType);
  if (page.granule < 0) {
    view.setInt32(6, -1, true);
    view.setInt32(10, -1, true);
  } else {
    view.setUint32(6, page.granule % 0x1_0000_0000, true);
    view.setUint32(10, Math.floor(page.granule / 0x1_0000_0000), true);
  }
  view.setUint32(14, page.serial >>> 0, true);
  view.setUint32(18, page.sequence >>> 0, true);
  view.setUint8(26, n);
  out.set(page.segments, HEADER_LENGTH);
  out.set(page.body, HEADER_LENGTH + n);
  view.setUint32(22, oggCrc32(out), true);
  return out;
}

/**
 * Parse the page at `offset`. Throws RangeError when truncated, SyntaxError when the
 * capture pattern, version or CRC is wrong. Returns views into `buf` and the page length.
 */
export function parseOggPage(buf: Uint8Array, offset = 0): { page: OggPage; length: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < offset + HEADER_LENGTH) {
    throw new RangeError(`Cannot parse Ogg page at "${offset}": header is truncated`);
  }
  for (let i = 0; i < 4; i++) {
    if (view.getUint8(offset + i) !== CAPTURE[i]) {
      throw new SyntaxError(`Cannot parse Ogg page at "${offset}": capture pattern is missing`);
    }
  }
  const version = view.getUint8(offset + 4);
  if (version !== 0) throw new SyntaxError(`Cannot parse Ogg page: version is "${version}"`);
  const n = view.getUint8(offset + 26);
  if (buf.length < offset + HEADER_LENGTH + n) {
    throw new RangeError(`Cannot parse Ogg page at "${offset}": segment table is truncated`);
  }
  const segments = buf.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + n);
  const bodyStart = offset + HEADER_LENGTH + n;
  const bodyLength = segments.reduce((a, b) => a + b, 0);
  if (buf.length < bodyStart + bodyLength) {
    throw new RangeError(`Cannot parse Ogg page at "${offset}": body is truncated`);
  }
  const length = HEADER_LENGTH + n + bodyLength;
  const stored = view.getUint32(offset + 22, true);
  const copy = buf.slice(offset, offset + length);
  copy.fill(0, 22, 26);
  if (oggCrc32(copy) !== stored) {
    throw new SyntaxError(`Cannot parse Ogg page at "${offset}": CRC mismatch`);
  }
  const lo = view.getUint32(offset + 6, true);
  const hi = view.getInt32(offset + 10, true);
  const page: OggPage = {
    headerType: view.getUint8(offset + 5),
    granule: hi === -1 && lo === 0xffffffff ? OGG_NO_GRANULE : hi * 0x1_0000_0000 + lo,
    serial: view.getUint32(offset + 14, true),
    sequence: view.getUint32(offset + 18, true),
    segments,
    body: buf.subarray(bodyStart, bodyStart + bodyLength),
  };
  return { page, length };
}

/** Result of {@link scanOggPages}. */
export interface OggScan {
  pages: { page: OggPage; offset: number }[];
  /** Offset just past the last valid page: where a truncated file should be cut. */
  validEnd: number;
  /** Why scanning stopped before the end of the buffer, or null. */
  error: string | null;
}

/** Read consecutive valid pages from the start; stop at the first bad or truncated one. */
export function scanOggPages(buf: Uint8Array): OggScan {
  const pages: OggScan["pages"] = [];
  let offset = 0;
  while (offset < buf.length) {
    try {
      const { page, length } = parseOggPage(buf, offset);
      pages.push({ page, offset });
      offset += length;
    } catch (e) {
      return { pages, validEnd: offset, error: (e as Error).message };
    }
  }
  return { pages, validEnd: offset, error: null };
}

/** A reassembled packet with the granule of the page it ends on (-1 if not the last). */
export interface OggPacket {
  data: Uint8Array;
  /** Granule of the page if this is the last packet finishing on it, else -1. */
  granule: number;
  pageIndex: number;
}

/** Reassemble packets of one logical stream; an unfinished trailing packet is dropped. */
export function oggPackets(pages: readonly OggPage[]): OggPacket[] {
  const out: OggPacket[] = [];
  let parts: Uint8Array[] = [];
  pages.forEach((page, pageIndex) => {
    if (!(page.headerType & OGG_CONTINUED)) parts = [];
    let pos = 0;
    let start = 0;
    let lastIndex = -1;
    for (let i = 0; i < page.segments.length; i++) {
      pos += page.segments[i];
      if (page.segments[i] < 255) {
        parts.push(page.body.subarray(start, pos));
        out.push({ data: concat(parts), granule: OGG_NO_GRANULE, pageIndex });
        lastIndex = out.length - 1;
        parts = [];
        start = pos;
      }
    }
    if (start < pos || (page.segments.length && page.segments[page.segments.length - 1] === 255)) {
      parts.push(page.body.subarray(start, pos));
    }
    if (lastIndex >= 0) out[lastIndex].granule = page.granule;
  });
  return out;
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
