/**
 * The sealed file format: a recording (or spill journal) encrypted with its own 256-bit
 * data key in AES-256-GCM chunks, STREAM-style (Hoang, Reyhanitabar, Rogaway, Vizár,
 * "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015). Pure:
 * no I/O; sealed_writer.ts and sealed_reader.ts are the file adapters. The parts live in
 * sealed_header.ts (header, key slot), chunk_cipher.ts (one chunk record) and
 * sealed_index.ts (the index); this module re-exports them and holds the whole-file
 * {@link sealBytes} and {@link openBytes}.
 *
 * ```
 * offset 0   +-------------------------------------------------------------+
 *            | fixed header (24 bytes, the AAD of every chunk)             |
 *            |   magic "SELRSEAL" (8) | version u8 = 1 | flags u8 = 0      |
 *            |   reserved u16 = 0 | chunkBytes u32 BE (largest chunk)      |
 *            |   nonce prefix (7 random bytes, per file) | reserved u8 = 0 |
 * offset 24  +-------------------------------------------------------------+
 *            | key slot (104 bytes, rewritable by key rotation)            |
 *            |   keyIdLength u8 | keyId (32, zero-padded, ASCII)           |
 *            |   wrapped data key (60: GCM nonce 12 | key 32 | tag 16)     |
 *            |   reserved (11) = 0                                         |
 * offset 128 +-------------------------------------------------------------+
 *            | chunk 0: flag u8 | length u24 BE | ciphertext | GCM tag 16  |
 *            | chunk 1 …          (length ≤ chunkBytes; short is allowed)  |
 *            | chunk n: flag = FINAL (may be empty)                        |
 *            +-------------------------------------------------------------+
 *            | index (finished files): length u32 BE per chunk,           |
 *            |   chunk count u32 BE, "SELRIDX1"                            |
 *            +-------------------------------------------------------------+
 *
 * chunk i:  nonce = prefix(7) ‖ i as u32 BE ‖ flag u8
 *           AAD   = fixed header(24) ‖ plaintext offset of the chunk as u64 BE
 * ```
 *
 * What is detected, and how: a flipped bit anywhere in a chunk, or in the fixed header
 * (it is every chunk's AAD), fails that chunk's tag; a reordered or swapped chunk is
 * opened with another counter (or offset) than it was sealed with; a truncated file lacks
 * its FINAL chunk; bytes after the FINAL chunk must be exactly its index. The key slot is
 * not in the AAD, so rotation can re-wrap the data key without re-encrypting audio; it is
 * authenticated by the wrapping (GCM under the KEK, AAD = key id, keyring.ts): a changed
 * slot fails to unwrap, and another file's valid slot yields a key that opens no chunk.
 *
 * Flags: MIDDLE 0, FINAL 1, and HEAD_PATCHED 2 — chunk 0 of a file written with a "head"
 * (a WAV header fixed up at finish) re-sealed once under a distinct nonce, never reusing
 * the nonce of its first version.
 *
 * @module
 */
import {
  CHUNK_OVERHEAD,
  ChunkCipher,
  FLAG_FINAL,
  FLAG_MIDDLE,
  readRecordHead,
} from "./chunk_cipher.ts";
import { IntegrityError } from "./integrity_error.ts";
import { encodeIndex } from "./sealed_index.ts";
import {
  encodeHeader,
  HEADER_BYTES,
  newHeader,
  parseHeader,
  type SealKey,
} from "./sealed_header.ts";

export * from "./sealed_header.ts";
export * from "./chunk_cipher.ts";
export * from "./sealed_index.ts";

/** Seals a whole plaintext at once (tools, tests): header, chunks, FINAL, index. */
export function sealBytes(key: SealKey, plaintext: Uint8Array, chunkBytes: number): Uint8Array {
  const header = newHeader(key, chunkBytes);
  const cipher = new ChunkCipher(header, key.dataKey);
  const parts = [encodeHeader(header)];
  const lengths: number[] = [];
  let off = 0, index = 0;
  do {
    const part = plaintext.subarray(off, off + chunkBytes);
    const flag = off + part.length >= plaintext.length ? FLAG_FINAL : FLAG_MIDDLE;
    parts.push(cipher.seal({ index: index++, ptOffset: off, flag }, part));
    lengths.push(part.length);
    off += part.length;
  } while (off < plaintext.length);
  parts.push(encodeIndex(lengths));
  return concat(parts);
}

/**
 * Opens a whole sealed file held in memory, checking everything: every chunk in order,
 * exactly one FINAL chunk, and the index after it. Throws {@link IntegrityError}.
 */
export function openBytes(bytes: Uint8Array, dataKey: Uint8Array, path: string): Uint8Array {
  const header = parseHeader(bytes, path);
  const cipher = new ChunkCipher(header, dataKey, path);
  const parts: Uint8Array[] = [];
  const lengths: number[] = [];
  let at = HEADER_BYTES, ptOffset = 0;
  for (let index = 0;; index++) {
    const { length } = readRecordHead(bytes.subarray(at, at + 4), path);
    const record = bytes.subarray(at, at + length + CHUNK_OVERHEAD);
    const { plaintext, flag } = cipher.open({ index, ptOffset }, record);
    parts.push(plaintext);
    lengths.push(length);
    at += record.length;
    ptOffset += length;
    if (flag === FLAG_FINAL) break;
    if (at >= bytes.length) throw new IntegrityError(path, "file ends before its final chunk");
  }
  const index = encodeIndex(lengths);
  if (bytes.length - at !== index.length || !index.every((b, i) => bytes[at + i] === b)) {
    throw new IntegrityError(path, "index after the final chunk does not match the chunks");
  }
  return concat(parts);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
