/**
 * The index a finished sealed file ends with (format: sealed_format.ts), and the chunk
 * table it implies, so a reader finds any chunk without walking the file.
 *
 * ```
 * after the FINAL chunk:  length u32 BE per chunk | chunk count u32 BE | "SELRIDX1"
 * ```
 *
 * @module
 */
import { CHUNK_OVERHEAD } from "./chunk_cipher.ts";
import { HEADER_BYTES } from "./sealed_header.ts";

/** Trailer of the index: count u32 and the index magic. */
export const INDEX_TRAILER_BYTES = 12;

const INDEX_MAGIC = new TextEncoder().encode("SELRIDX1");

/** The index written after the FINAL chunk: each chunk's plaintext length. */
export function encodeIndex(lengths: readonly number[]): Uint8Array {
  const out = new Uint8Array(lengths.length * 4 + INDEX_TRAILER_BYTES);
  const v = new DataView(out.buffer);
  lengths.forEach((l, i) => v.setUint32(i * 4, l));
  v.setUint32(lengths.length * 4, lengths.length);
  out.set(INDEX_MAGIC, lengths.length * 4 + 4);
  return out;
}

/** Reads the index trailer (last 12 bytes): the chunk count, or null when absent. */
export function parseIndexTrailer(trailer: Uint8Array): number | null {
  if (trailer.length !== INDEX_TRAILER_BYTES) return null;
  if (!INDEX_MAGIC.every((b, i) => trailer[4 + i] === b)) return null;
  return new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0);
}

/** Chunk lengths from the index body (count × u32). */
export function parseIndexBody(body: Uint8Array): number[] {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return Array.from({ length: body.length / 4 }, (_, i) => v.getUint32(i * 4));
}

/** Where each chunk is: file offset, plaintext offset, length. */
export interface ChunkEntry {
  fileOffset: number;
  ptOffset: number;
  length: number;
}

/** The chunk table implied by the chunk lengths, and the file size it implies. */
export function chunkTable(lengths: readonly number[]): { chunks: ChunkEntry[]; end: number } {
  const chunks: ChunkEntry[] = [];
  let fileOffset = HEADER_BYTES, ptOffset = 0;
  for (const length of lengths) {
    chunks.push({ fileOffset, ptOffset, length });
    fileOffset += length + CHUNK_OVERHEAD;
    ptOffset += length;
  }
  return { chunks, end: fileOffset };
}
