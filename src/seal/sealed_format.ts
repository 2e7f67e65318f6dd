/**
 * The sealed file format: a recording (or spill journal) encrypted with its own 256-bit
 * data key in AES-256-GCM chunks, STREAM-style (Hoang, Reyhanitabar, Rogaway, Vizár,
 * "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015). Pure:
 * no I/O; sealed_writer.ts and sealed_reader.ts are the file adapters.
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
import { createCipheriv, createDecipheriv } from "node:crypto";
import { IntegrityError } from "./integrity_error.ts";

/** Bytes of the whole header (fixed part and key slot). */
export const HEADER_BYTES = 128;
/** Bytes of the fixed, authenticated part of the header. */
export const FIXED_HEADER_BYTES = 24;
/** Chunk record overhead: flag+length (4) and the GCM tag (16). */
export const CHUNK_OVERHEAD = 20;
/** Largest chunk length the 24-bit field holds. */
export const MAX_CHUNK_BYTES = 0xff_ffff;
/** Bytes of a wrapped data key in the key slot. */
export const WRAPPED_KEY_BYTES = 60;
/** Longest key id (ASCII). */
export const MAX_KEY_ID_BYTES = 32;
/** Trailer of the index: count u32 and the index magic. */
export const INDEX_TRAILER_BYTES = 12;

/** Chunk flag: more chunks follow. */
export const FLAG_MIDDLE = 0;
/** Chunk flag: the last chunk; nothing but the index may follow. */
export const FLAG_FINAL = 1;
/** Chunk flag: chunk 0 re-sealed after a head fix-up (see the module doc). */
export const FLAG_HEAD_PATCHED = 2;

const MAGIC = new TextEncoder().encode("SELRSEAL");
const INDEX_MAGIC = new TextEncoder().encode("SELRIDX1");
const VERSION = 1;
const PREFIX_BYTES = 7;
const KEY_SLOT_OFFSET = FIXED_HEADER_BYTES;
const KEY_ID_OFFSET = KEY_SLOT_OFFSET + 1;
const WRAPPED_OFFSET = KEY_ID_OFFSET + MAX_KEY_ID_BYTES;
const WRAPPED_END = WRAPPED_OFFSET + WRAPPED_KEY_BYTES;

/** A sealed file's header, parsed. */
export interface SealHeader {
  /** Largest plaintext per chunk. */
  chunkBytes: number;
  /** The per-file random nonce prefix (7 bytes). */
  noncePrefix: Uint8Array;
  /** Which KEK wrapped the data key. */
  keyId: string;
  /** The data key wrapped by that KEK. */
  wrappedKey: Uint8Array;
}

/** The key material a file is sealed with: the data key and how it is stored wrapped. */
export interface SealKey {
  keyId: string;
  /** The data key wrapped by the KEK `keyId` (60 bytes). */
  wrappedKey: Uint8Array;
  /** The unwrapped 256-bit data key. Never logged. */
  dataKey: Uint8Array;
}

/** True when `bytes` starts like a sealed file (the magic); plain Ogg/WAV never do. */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** A fresh header for a new file: random nonce prefix, the key's id and wrapped key. */
export function newHeader(key: Pick<SealKey, "keyId" | "wrappedKey">, chunkBytes: number) {
  const noncePrefix = crypto.getRandomValues(new Uint8Array(PREFIX_BYTES));
  return { chunkBytes, noncePrefix, keyId: key.keyId, wrappedKey: key.wrappedKey };
}

/** Serialises a header (128 bytes). */
export function encodeHeader(h: SealHeader): Uint8Array {
  const id = new TextEncoder().encode(h.keyId);
  if (id.length === 0 || id.length > MAX_KEY_ID_BYTES) {
    throw new RangeError(`Key id "${h.keyId}" must be 1 to ${MAX_KEY_ID_BYTES} bytes`);
  }
  if (h.chunkBytes < 1 || h.chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`Chunk size "${h.chunkBytes}" is out of range`);
  }
  if (h.noncePrefix.length !== PREFIX_BYTES || h.wrappedKey.length !== WRAPPED_KEY_BYTES) {
    throw new RangeError("Nonce prefix must be 7 bytes and the wrapped key 60");
  }
  const out = new Uint8Array(HEADER_BYTES);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[8] = VERSION;
  v.setUint32(12, h.chunkBytes);
  out.set(h.noncePrefix, 16);
  out[KEY_SLOT_OFFSET] = id.length;
  out.set(id, KEY_ID_OFFSET);
  out.set(h.wrappedKey, WRAPPED_OFFSET);
  return out;
}

/** The key slot bytes (offset {@link FIXED_HEADER_BYTES}, 104 bytes) for a key id and wrapped key. */
export function encodeKeySlot(slot: Pick<SealHeader, "keyId" | "wrappedKey">): Uint8Array {
  const h = { chunkBytes: 1, noncePrefix: new Uint8Array(PREFIX_BYTES), ...slot };
  return encodeHeader(h).slice(FIXED_HEADER_BYTES);
}

/** Parses a header; a header that is not one selrec writes is an {@link IntegrityError}. */
export function parseHeader(bytes: Uint8Array, path: string): SealHeader {
  if (bytes.length < HEADER_BYTES) throw new IntegrityError(path, "sealed header is truncated");
  if (!isSealed(bytes)) throw new IntegrityError(path, "sealed header magic is wrong");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[8] !== VERSION) {
    throw new IntegrityError(path, `sealed format version "${bytes[8]}" is not 1`);
  }
  const chunkBytes = v.getUint32(12);
  const idLength = bytes[KEY_SLOT_OFFSET];
  const reservedZero = bytes[9] === 0 && bytes[10] === 0 && bytes[11] === 0 && bytes[23] === 0 &&
    bytes.subarray(WRAPPED_END, HEADER_BYTES).every((b) => b === 0) &&
    bytes.subarray(KEY_ID_OFFSET + idLength, WRAPPED_OFFSET).every((b) => b === 0);
  if (!reservedZero || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new IntegrityError(path, "sealed header has bad fields");
  }
  if (idLength < 1 || idLength > MAX_KEY_ID_BYTES) {
    throw new IntegrityError(path, "sealed header key id length is out of range");
  }
  return {
    chunkBytes,
    noncePrefix: bytes.slice(16, 16 + PREFIX_BYTES),
    keyId: new TextDecoder().decode(bytes.subarray(KEY_ID_OFFSET, KEY_ID_OFFSET + idLength)),
    wrappedKey: bytes.slice(WRAPPED_OFFSET, WRAPPED_END),
  };
}

/** The fixed header bytes that every chunk authenticates. */
export function fixedHeader(h: SealHeader): Uint8Array {
  return encodeHeader(h).slice(0, FIXED_HEADER_BYTES);
}

/** A chunk's 96-bit nonce: the file's prefix, the chunk counter and its flag. */
export function nonceOf(h: SealHeader, index: number, flag: number): Uint8Array {
  const n = new Uint8Array(12);
  n.set(h.noncePrefix, 0);
  new DataView(n.buffer).setUint32(PREFIX_BYTES, index);
  n[11] = flag;
  return n;
}

/** A chunk's AAD: the fixed header and the chunk's plaintext offset. */
export function aadOf(fixed: Uint8Array, ptOffset: number): Uint8Array {
  const a = new Uint8Array(FIXED_HEADER_BYTES + 8);
  a.set(fixed, 0);
  const v = new DataView(a.buffer);
  v.setUint32(FIXED_HEADER_BYTES, Math.floor(ptOffset / 2 ** 32));
  v.setUint32(FIXED_HEADER_BYTES + 4, ptOffset >>> 0);
  return a;
}

/** Where a chunk sits in its file's counter and plaintext sequence. */
export interface ChunkPosition {
  index: number;
  /** Plaintext bytes of all chunks before it. */
  ptOffset: number;
  flag: number;
}

/**
 * A sealer for one file: the header, its fixed bytes and the data key, so sealing and
 * opening a chunk is one call. Not safe to share across files (it is the file's key).
 */
export class ChunkCipher {
  readonly header: SealHeader;
  readonly path: string;
  #fixed: Uint8Array;
  #key: Uint8Array;

  constructor(header: SealHeader, dataKey: Uint8Array, path = "sealed file") {
    if (dataKey.length !== 32) throw new RangeError("Data key must be 32 bytes");
    this.header = header;
    this.path = path;
    this.#fixed = fixedHeader(header);
    this.#key = dataKey;
  }

  /** Seals one chunk's plaintext into its record (flag, length, ciphertext, tag). */
  seal(pos: ChunkPosition, plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > this.header.chunkBytes) {
      throw new RangeError(`Chunk of "${plaintext.length}" bytes exceeds the chunk size`);
    }
    const c = createCipheriv("aes-256-gcm", this.#key, nonceOf(this.header, pos.index, pos.flag));
    c.setAAD(aadOf(this.#fixed, pos.ptOffset));
    const out = new Uint8Array(plaintext.length + CHUNK_OVERHEAD);
    new DataView(out.buffer).setUint32(0, (pos.flag << 24 | plaintext.length) >>> 0);
    out.set(c.update(plaintext), 4);
    c.final();
    out.set(c.getAuthTag(), 4 + plaintext.length);
    return out;
  }

  /** Opens a chunk record (as read from disk) at `pos`; the record's flag must match. */
  open(
    pos: Omit<ChunkPosition, "flag">,
    record: Uint8Array,
  ): { plaintext: Uint8Array; flag: number } {
    const head = readRecordHead(record, this.path);
    const { flag, length } = head;
    if (record.length !== length + CHUNK_OVERHEAD) {
      throw new IntegrityError(this.path, `chunk ${pos.index} is truncated`);
    }
    if (flag > FLAG_HEAD_PATCHED || (flag === FLAG_HEAD_PATCHED && pos.index !== 0)) {
      throw new IntegrityError(this.path, `chunk ${pos.index} has an unknown flag`);
    }
    const d = createDecipheriv("aes-256-gcm", this.#key, nonceOf(this.header, pos.index, flag));
    d.setAAD(aadOf(this.#fixed, pos.ptOffset));
    d.setAuthTag(record.subarray(4 + length));
    const plaintext: Uint8Array = d.update(record.subarray(4, 4 + length));
    try {
      d.final();
    } catch {
      throw new IntegrityError(this.path, `chunk ${pos.index} failed authentication`);
    }
    return { plaintext, flag };
  }
}

/** A chunk record's flag and plaintext length, from its first 4 bytes. */
export function readRecordHead(bytes: Uint8Array, path: string): { flag: number; length: number } {
  if (bytes.length < 4) throw new IntegrityError(path, "chunk header is truncated");
  const w = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return { flag: w >>> 24, length: w & MAX_CHUNK_BYTES };
}

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
