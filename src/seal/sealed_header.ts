/**
 * The header of a sealed file (format and what it protects: sealed_format.ts). The fixed
 * part is the AAD of every chunk; the key slot is authenticated by the key wrapping
 * (keyring.ts), so key rotation can rewrite it alone.
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
 * ```
 *
 * @module
 */
import { IntegrityError } from "./integrity_error.ts";

/** Bytes of the whole header (fixed part and key slot). */
export const HEADER_BYTES = 128;
/** Bytes of the fixed, authenticated part of the header. */
export const FIXED_HEADER_BYTES = 24;
/** Largest chunk length the 24-bit field holds. */
export const MAX_CHUNK_BYTES = 0xff_ffff;
/** Bytes of a wrapped data key in the key slot. */
export const WRAPPED_KEY_BYTES = 60;
/** Longest key id (ASCII). */
export const MAX_KEY_ID_BYTES = 32;

const MAGIC = new TextEncoder().encode("SELRSEAL");
const VERSION = 1;
/** Bytes of the per-file nonce prefix. */
export const PREFIX_BYTES = 7;
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
