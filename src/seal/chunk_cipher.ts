/**
 * Sealing and opening one chunk record of a sealed file (format: sealed_format.ts), with
 * AES-256-GCM from gcm.ts (libcrypto when this process may load it, else node:crypto).
 *
 * ```
 * chunk record:  flag u8 | length u24 BE | ciphertext (length) | GCM tag 16
 * chunk i:  nonce = prefix(7) ‖ i as u32 BE ‖ flag u8
 *           AAD   = fixed header(24) ‖ plaintext offset of the chunk as u64 BE
 * ```
 *
 * @module
 */
import { defaultGcm, type Gcm } from "./gcm.ts";
import { IntegrityError } from "./integrity_error.ts";
import {
  FIXED_HEADER_BYTES,
  fixedHeader,
  MAX_CHUNK_BYTES,
  PREFIX_BYTES,
  type SealHeader,
} from "./sealed_header.ts";

/** Chunk record overhead: flag+length (4) and the GCM tag (16). */
export const CHUNK_OVERHEAD = 20;

/** Chunk flag: more chunks follow. */
export const FLAG_MIDDLE = 0;
/** Chunk flag: the last chunk; nothing but the index may follow. */
export const FLAG_FINAL = 1;
/** Chunk flag: chunk 0 re-sealed after a head fix-up (see the module doc). */
export const FLAG_HEAD_PATCHED = 2;

/** Writes `v` as a big-endian u32 at `at`. */
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/**
 * A chunk's 96-bit nonce: the file's prefix, the chunk counter and its flag; written
 * into `into` when given (a cipher reuses one buffer per file).
 */
export function nonceOf(
  h: SealHeader,
  index: number,
  flag: number,
  into: Uint8Array = new Uint8Array(12),
): Uint8Array {
  into.set(h.noncePrefix, 0);
  putU32(into, PREFIX_BYTES, index);
  into[11] = flag;
  return into;
}

/** A chunk's AAD: the fixed header and the chunk's plaintext offset as u64 BE. */
export function aadOf(
  fixed: Uint8Array,
  ptOffset: number,
  into: Uint8Array = new Uint8Array(FIXED_HEADER_BYTES + 8),
): Uint8Array {
  into.set(fixed, 0);
  putU32(into, FIXED_HEADER_BYTES, Math.floor(ptOffset / 2 ** 32));
  putU32(into, FIXED_HEADER_BYTES + 4, ptOffset >>> 0);
  return into;
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
  #key: Uint8Array;
  #gcm: Gcm;
  #fixed: Uint8Array;
  // This file's nonce and AAD, rewritten in place per chunk (each GCM call is synchronous).
  #nonce = new Uint8Array(12);
  #aad = new Uint8Array(FIXED_HEADER_BYTES + 8);

  /** `gcm` is the AES-GCM implementation ({@link defaultGcm} unless a test picks one). */
  constructor(header: SealHeader, dataKey: Uint8Array, path = "sealed file", gcm = defaultGcm()) {
    if (dataKey.length !== 32) throw new RangeError("Data key must be 32 bytes");
    this.header = header;
    this.path = path;
    this.#key = dataKey;
    this.#gcm = gcm;
    this.#fixed = fixedHeader(header);
  }

  /** Seals one chunk's plaintext into its record (flag, length, ciphertext, tag). */
  seal(pos: ChunkPosition, plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > this.header.chunkBytes) {
      throw new RangeError(`Chunk of "${plaintext.length}" bytes exceeds the chunk size`);
    }
    const out = new Uint8Array(plaintext.length + CHUNK_OVERHEAD);
    new DataView(out.buffer).setUint32(0, (pos.flag << 24 | plaintext.length) >>> 0);
    this.#gcm.seal(
      this.#key,
      nonceOf(this.header, pos.index, pos.flag, this.#nonce),
      aadOf(this.#fixed, pos.ptOffset, this.#aad),
      plaintext,
      out.subarray(4, 4 + plaintext.length),
      out.subarray(4 + plaintext.length),
    );
    return out;
  }

  /** Opens a chunk record (as read from disk) at `pos`; the record's flag must match. */
  open(
    pos: Omit<ChunkPosition, "flag">,
    record: Uint8Array,
  ): { plaintext: Uint8Array; flag: number } {
    const plaintext = new Uint8Array(readRecordHead(record, this.path).length);
    return { plaintext, flag: this.openInto(pos, record, plaintext) };
  }

  /**
   * Opens a chunk record into `out` (exactly the record's plaintext length, e.g. a view
   * into a range being assembled) and returns its flag. On any failure it throws
   * {@link IntegrityError} and `out` holds no plaintext.
   */
  openInto(pos: Omit<ChunkPosition, "flag">, record: Uint8Array, out: Uint8Array): number {
    const { flag, length } = readRecordHead(record, this.path);
    if (record.length !== length + CHUNK_OVERHEAD) {
      throw new IntegrityError(this.path, `chunk ${pos.index} is truncated`);
    }
    if (flag > FLAG_HEAD_PATCHED || (flag === FLAG_HEAD_PATCHED && pos.index !== 0)) {
      throw new IntegrityError(this.path, `chunk ${pos.index} has an unknown flag`);
    }
    if (out.length !== length) {
      throw new RangeError(`Output of "${out.length}" bytes for chunk ${pos.index} of ${length}`);
    }
    const ok = this.#gcm.open(
      this.#key,
      nonceOf(this.header, pos.index, flag, this.#nonce),
      aadOf(this.#fixed, pos.ptOffset, this.#aad),
      record.subarray(4, 4 + length),
      record.subarray(4 + length),
      out,
    );
    if (!ok) throw new IntegrityError(this.path, `chunk ${pos.index} failed authentication`);
    return flag;
  }
}

/** A chunk record's flag and plaintext length, from its first 4 bytes. */
export function readRecordHead(bytes: Uint8Array, path: string): { flag: number; length: number } {
  if (bytes.length < 4) throw new IntegrityError(path, "chunk header is truncated");
  const w = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return { flag: w >>> 24, length: w & MAX_CHUNK_BYTES };
}
