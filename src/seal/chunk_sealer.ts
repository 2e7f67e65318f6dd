/**
 * The sealing state machine of one file, without I/O: plaintext in, chunk records out.
 * A full chunk is sealed as soon as it fills; `flush()` seals what is buffered as a short
 * chunk (the owner calls it at least every sync interval, so at most that much audio
 * waits in memory); `finish()` seals the FINAL chunk (maybe empty) and returns the index.
 * With `headBytes`, the first that many bytes form chunk 0 alone and `patchHead()` may
 * re-seal it once (a WAV header fixed up at finish) under the HEAD_PATCHED nonce.
 * `fill()` buffers without sealing, for an owner that seals only whole chunks of its own
 * batches (the capture worker's spill journal: `flush()` when `room` runs out).
 *
 * @module
 */
import {
  ChunkCipher,
  encodeHeader,
  encodeIndex,
  FLAG_FINAL,
  FLAG_HEAD_PATCHED,
  FLAG_MIDDLE,
  HEADER_BYTES,
  newHeader,
  type SealKey,
} from "./sealed_format.ts";

/** Options of a {@link ChunkSealer}. */
export interface ChunkSealerOptions {
  /** Largest plaintext per chunk. */
  chunkBytes: number;
  /** Bytes at the start that form chunk 0 alone and may be patched once. */
  headBytes?: number;
  /** Names the file in errors. */
  path?: string;
}

/** Seals one file's plaintext into chunk records, in order. */
export class ChunkSealer {
  readonly header: Uint8Array;
  #cipher: ChunkCipher;
  #chunkBytes: number;
  #headBytes: number;
  #buffer: Uint8Array;
  #buffered = 0;
  #index = 0;
  #ptOffset = 0;
  #lengths: number[] = [];
  #finished = false;
  #patchedHead: Uint8Array | null = null;
  #head: Uint8Array | null = null;

  constructor(key: SealKey, options: ChunkSealerOptions) {
    const h = newHeader(key, options.chunkBytes);
    this.header = encodeHeader(h);
    this.#cipher = new ChunkCipher(h, key.dataKey, options.path);
    this.#chunkBytes = options.chunkBytes;
    this.#headBytes = options.headBytes ?? 0;
    if (this.#headBytes > this.#chunkBytes) throw new RangeError("Head exceeds the chunk size");
    this.#buffer = new Uint8Array(this.#chunkBytes);
  }

  /** Plaintext bytes sealed into records so far. */
  get sealedBytes(): number {
    return this.#ptOffset;
  }

  /** Plaintext bytes waiting for the next chunk. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Chunk records sealed so far. */
  get chunks(): number {
    return this.#index;
  }

  /** Room left in the chunk being filled. */
  get room(): number {
    return this.#limit() - this.#buffered;
  }

  /** Adds plaintext; returns the records of every chunk it filled. */
  push(data: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new Error(`Sealed file "${this.#cipher.path}" is finished`);
    const out: Uint8Array[] = [];
    for (let o = 0; o < data.length;) {
      o += this.fill(data.subarray(o));
      if (this.room === 0) out.push(this.#seal(FLAG_MIDDLE));
    }
    return out;
  }

  /**
   * Buffers as much of `data` as the chunk being filled has room for, sealing nothing;
   * returns the bytes taken (the owner seals when {@link room} is 0).
   */
  fill(data: Uint8Array): number {
    if (this.#finished) throw new Error(`Sealed file "${this.#cipher.path}" is finished`);
    const n = Math.min(this.room, data.length);
    this.#buffer.set(data.subarray(0, n), this.#buffered);
    this.#buffered += n;
    return n;
  }

  /** Seals what is buffered as a short chunk (nothing when the buffer is empty). */
  flush(): Uint8Array[] {
    if (this.#buffered === 0 || (this.#index === 0 && this.#headBytes > 0)) return [];
    return [this.#seal(FLAG_MIDDLE)];
  }

  /** The FINAL chunk (whatever is buffered, maybe nothing) and the index after it. */
  finish(): Uint8Array[] {
    if (this.#index === 0 && this.#headBytes > 0 && this.#buffered > 0) {
      throw new RangeError(`Sealed file "${this.#cipher.path}" ends inside its head`);
    }
    const last = this.#seal(FLAG_FINAL);
    this.#finished = true;
    return [last, encodeIndex(this.#lengths)];
  }

  /**
   * Chunk 0 re-sealed with `bytes` written over the head at `offset`; returns the file
   * offset and the record to write there. Only once per file (a second call must carry
   * the same head, e.g. a retried finish), so no nonce seals two plaintexts.
   */
  patchHead(offset: number, bytes: Uint8Array): { fileOffset: number; record: Uint8Array } {
    if (!this.#head || offset + bytes.length > this.#head.length) {
      throw new RangeError(`Patch of "${this.#cipher.path}" is outside its sealed head`);
    }
    const head = this.#head.slice();
    head.set(bytes, offset);
    if (this.#patchedHead && !this.#patchedHead.every((b, i) => head[i] === b)) {
      throw new Error(`Head of "${this.#cipher.path}" was patched already`);
    }
    this.#patchedHead = head;
    const record = this.#cipher.seal({ index: 0, ptOffset: 0, flag: FLAG_HEAD_PATCHED }, head);
    return { fileOffset: HEADER_BYTES, record };
  }

  #limit(): number {
    return this.#index === 0 && this.#headBytes > 0 ? this.#headBytes : this.#chunkBytes;
  }

  #seal(flag: number): Uint8Array {
    const plaintext = this.#buffer.subarray(0, this.#buffered);
    if (this.#index === 0 && this.#headBytes > 0) this.#head = plaintext.slice();
    const record = this.#cipher.seal(
      { index: this.#index, ptOffset: this.#ptOffset, flag },
      plaintext,
    );
    this.#lengths.push(this.#buffered);
    this.#index++;
    this.#ptOffset += this.#buffered;
    this.#buffered = 0;
    return record;
  }
}
