/**
 * How much of an Ogg file still being written (`*.ogg.partial`) can be served: the bytes
 * up to the end of its last whole, CRC-valid page. The encoder appends whole pages and
 * syncs them at least every 2 s, so only the page being written may be cut short.
 *
 * Only the tail is read: an Ogg page is at most 65,307 bytes (RFC 3533 §6), so a window
 * of twice that always holds the start of a whole page before the cut one. Within the
 * window the first offset where a CRC-valid page starts is a page boundary (a capture
 * pattern inside a packet would also need a matching CRC), and pages chain from there.
 */
import { scanOggPages } from "../../src/codec/ogg.ts";

/** Largest possible Ogg page: 27 + 255 segment bytes + 255 × 255 body bytes. */
export const MAX_OGG_PAGE = 27 + 255 + 255 * 255;
const MAX_PAGE = MAX_OGG_PAGE;
const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"

/** The length of the whole pages in `bytes` starting at a page boundary found in it. */
export function wholePagesEnd(bytes: Uint8Array, atFileStart: boolean): number {
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (!CAPTURE.every((b, k) => bytes[i + k] === b)) continue;
    const scan = scanOggPages(bytes.subarray(i));
    if (scan.pages.length > 0) return i + scan.validEnd;
    if (atFileStart && i === 0) return 0;
  }
  return 0;
}

/** Bytes of `path` that are whole Ogg pages (0 when none is complete yet). */
export async function wholeOggPrefix(path: string): Promise<number> {
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  const start = Math.max(0, size - 2 * MAX_PAGE);
  const buf = new Uint8Array(size - start);
  await file.seek(start, Deno.SeekMode.Start);
  let got = 0;
  while (got < buf.length) {
    const n = await file.read(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  const end = wholePagesEnd(buf.subarray(0, got), start === 0);
  return end === 0 ? 0 : start + end;
}
