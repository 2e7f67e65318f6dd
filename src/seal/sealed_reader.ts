/**
 * Reading sealed files. {@link openSealedFile} reads the header, unwraps the data key,
 * and locates chunks from the index (or, for a file still being written, by walking the
 * chunk headers); `readRange` then reads and authenticates only the chunks a range
 * touches. {@link readSealedChunks} streams a whole file in order and checks everything
 * (every chunk, the FINAL one, the index): export, archive copy, scrub. Every failure
 * of the stored bytes is an {@link IntegrityError}.
 *
 * @module
 */
import { CHUNK_OVERHEAD, ChunkCipher, FLAG_FINAL, readRecordHead } from "./chunk_cipher.ts";
import { IntegrityError } from "./integrity_error.ts";
import { HEADER_BYTES, parseHeader, type SealHeader } from "./sealed_header.ts";
import {
  type ChunkEntry,
  chunkTable,
  encodeIndex,
  INDEX_TRAILER_BYTES,
  parseIndexBody,
  parseIndexTrailer,
} from "./sealed_index.ts";

/**
 * Gives the data key of a file from its header (key id and wrapped key): the keyring's
 * `unwrap`. Throws IntegrityError when the wrapped key does not open under its KEK.
 */
export type Unwrap = (header: SealHeader) => Promise<Uint8Array>;

/** Options of {@link openSealedFile}. */
export interface OpenSealedOptions {
  /**
   * The file is still being written (a spill journal, a `.partial`): chunks are found by
   * walking their headers, no FINAL chunk is required, and {@link SealedReader.refresh}
   * picks up chunks written since.
   */
  unfinished?: boolean;
}

/** An open sealed file. Close it (or `using` it). */
export interface SealedReader extends Disposable {
  readonly path: string;
  readonly header: SealHeader;
  /** Plaintext bytes (authenticated by the FINAL chunk in a finished file). */
  readonly plaintextSize: number;
  /** Chunks in the file. */
  readonly chunkCount: number;
  /** Plaintext `[start, endExclusive)`; authenticates only the chunks it touches. */
  readRange(start: number, endExclusive: number): Promise<Uint8Array>;
  /** Unfinished files: finds chunks written since open (or the last refresh). */
  refresh(): Promise<void>;
  close(): void;
}

/** Bytes {@link readSealedChunks} reads at once. */
const READ_AHEAD_BYTES = 1 << 20;

async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let o = 0;
  while (o < length) {
    const n = await file.read(out.subarray(o));
    if (n === null) break;
    o += n;
  }
  return o === length ? out : out.subarray(0, o);
}

/** Opens a sealed file for range reads; throws IntegrityError on a bad header or index. */
export async function openSealedFile(
  path: string,
  unwrap: Unwrap,
  options: OpenSealedOptions = {},
): Promise<SealedReader> {
  const file = await Deno.open(path, { read: true });
  try {
    const header = parseHeader(await readAt(file, 0, HEADER_BYTES), path);
    const cipher = new ChunkCipher(header, await unwrap(header), path);
    const reader = new Reader(path, file, cipher, !!options.unfinished);
    if (options.unfinished) await reader.refresh();
    else await reader.loadIndex();
    return reader;
  } catch (err) {
    file.close();
    throw err;
  }
}

class Reader implements SealedReader {
  readonly path: string;
  #file: Deno.FsFile;
  #cipher: ChunkCipher;
  #unfinished: boolean;
  #chunks: ChunkEntry[] = [];
  #end = HEADER_BYTES;
  #size = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #scratch: Uint8Array<ArrayBuffer> = new Uint8Array(0);

  constructor(path: string, file: Deno.FsFile, cipher: ChunkCipher, unfinished: boolean) {
    this.path = path;
    this.#file = file;
    this.#cipher = cipher;
    this.#unfinished = unfinished;
  }

  get header(): SealHeader {
    return this.#cipher.header;
  }
  get plaintextSize(): number {
    return this.#size;
  }
  get chunkCount(): number {
    return this.#chunks.length;
  }

  /** Finished file: the index gives every chunk; the FINAL chunk is opened to trust the size. */
  async loadIndex(): Promise<void> {
    const { size } = await this.#file.stat();
    const trailer = await readAt(this.#file, size - INDEX_TRAILER_BYTES, INDEX_TRAILER_BYTES);
    const count = size >= HEADER_BYTES + INDEX_TRAILER_BYTES ? parseIndexTrailer(trailer) : null;
    if (count === null || count < 1) {
      throw new IntegrityError(this.path, "sealed file has no index (truncated or unfinished)");
    }
    const indexBytes = count * 4 + INDEX_TRAILER_BYTES;
    if (indexBytes + HEADER_BYTES + count * CHUNK_OVERHEAD > size) {
      throw new IntegrityError(this.path, "index does not match the file size");
    }
    const body = await readAt(this.#file, size - indexBytes, count * 4);
    const { chunks, end } = chunkTable(parseIndexBody(body));
    if (end + indexBytes !== size || body.length !== count * 4) {
      throw new IntegrityError(this.path, "index does not match the file size");
    }
    this.#chunks = chunks;
    this.#end = end;
    const last = chunks[chunks.length - 1];
    await this.#open(chunks.length - 1, last);
    this.#size = last.ptOffset + last.length;
  }

  async refresh(): Promise<void> {
    if (!this.#unfinished) return;
    await this.#serial(async () => {
      const { size } = await this.#file.stat();
      while (this.#end + CHUNK_OVERHEAD <= size) {
        const { length } = readRecordHead(await readAt(this.#file, this.#end, 4), this.path);
        if (this.#end + length + CHUNK_OVERHEAD > size) break;
        this.#chunks.push({ fileOffset: this.#end, ptOffset: this.#size, length });
        this.#end += length + CHUNK_OVERHEAD;
        this.#size += length;
      }
    });
  }

  readRange(start: number, endExclusive: number): Promise<Uint8Array> {
    if (!(0 <= start && start <= endExclusive && endExclusive <= this.#size)) {
      return Promise.reject(
        new RangeError(
          `Range ${start}-${endExclusive} is outside "${this.path}" (${this.#size} bytes)`,
        ),
      );
    }
    if (start === endExclusive) return Promise.resolve(new Uint8Array(0));
    return this.#serial(async () => {
      const first = this.#chunkAt(start), last = this.#chunkAt(endExclusive - 1);
      const from = this.#chunks[first].fileOffset;
      const lastEntry = this.#chunks[last];
      const bytes = await readAt(
        this.#file,
        from,
        lastEntry.fileOffset + lastEntry.length + CHUNK_OVERHEAD - from,
      );
      // Whole chunks are opened straight into the result; the cut first and last ones
      // through a scratch chunk, so no plaintext is copied twice.
      const out = new Uint8Array(endExclusive - start);
      for (let i = first; i <= last; i++) {
        const e = this.#chunks[i];
        const rel = e.fileOffset - from;
        const record = bytes.subarray(rel, rel + e.length + CHUNK_OVERHEAD);
        const lo = Math.max(0, start - e.ptOffset);
        const hi = Math.min(e.length, endExclusive - e.ptOffset);
        const at = e.ptOffset + lo - start;
        if (lo === 0 && hi === e.length) {
          this.#openRecord(i, e, record, out.subarray(at, at + hi));
        } else {
          const whole = this.#openRecord(i, e, record, this.#scratchOf(e.length));
          out.set(whole.subarray(lo, hi), at);
        }
      }
      return out;
    });
  }

  close(): void {
    this.#file.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #chunkAt(ptOffset: number): number {
    let lo = 0, hi = this.#chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#chunks[mid].ptOffset <= ptOffset) lo = mid;
      else hi = mid - 1;
    }
    // Skip empty chunks that share the offset with the one holding the byte.
    while (this.#chunks[lo].length === 0 && lo + 1 < this.#chunks.length) lo++;
    return lo;
  }

  async #open(i: number, e: ChunkEntry): Promise<Uint8Array> {
    const record = await readAt(this.#file, e.fileOffset, e.length + CHUNK_OVERHEAD);
    return this.#openRecord(i, e, record);
  }

  /** A scratch of `length` bytes for a chunk cut by a range (reused across reads). */
  #scratchOf(length: number): Uint8Array<ArrayBuffer> {
    if (this.#scratch.length < length) {
      this.#scratch = new Uint8Array(Math.max(length, this.header.chunkBytes));
    }
    return this.#scratch.subarray(0, length);
  }

  /** Opens chunk `i` into `out` (a fresh buffer when not given) and checks its place. */
  #openRecord(
    i: number,
    e: ChunkEntry,
    record: Uint8Array,
    out: Uint8Array<ArrayBuffer> = new Uint8Array(e.length),
  ): Uint8Array {
    const { length } = readRecordHead(record, this.path);
    if (length !== e.length || record.length !== e.length + CHUNK_OVERHEAD) {
      throw new IntegrityError(this.path, `chunk ${i} does not match the index`);
    }
    const flag = this.#cipher.openInto({ index: i, ptOffset: e.ptOffset }, record, out);
    const isLast = i === this.#chunks.length - 1;
    // FINAL only on the last chunk; a finished file's last chunk must be FINAL.
    if (flag === FLAG_FINAL ? !isLast : isLast && !this.#unfinished) {
      throw new IntegrityError(this.path, `chunk ${i} is out of place (final flag)`);
    }
    return out;
  }

  #serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job, job);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/**
 * Streams a whole sealed file's plaintext, chunk by chunk, checking every chunk in
 * order, the FINAL chunk and the index after it; throws IntegrityError at the first fault.
 */
export async function* readSealedChunks(
  path: string,
  unwrap: Unwrap,
): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const { size } = await file.stat();
  const header = parseHeader(await readAt(file, 0, HEADER_BYTES), path);
  const cipher = new ChunkCipher(header, await unwrap(header), path);
  const lengths: number[] = [];
  // Reads ahead in windows of many chunks: one read per window, not two per chunk.
  let window: Uint8Array = new Uint8Array(0), windowAt = 0;
  const bytesAt = async (offset: number, length: number) => {
    if (offset + length > windowAt + window.length) {
      window = await readAt(file, offset, Math.max(length, READ_AHEAD_BYTES));
      windowAt = offset;
    }
    return window.subarray(offset - windowAt, offset - windowAt + length);
  };
  let at = HEADER_BYTES, ptOffset = 0;
  for (let index = 0;; index++) {
    if (at + CHUNK_OVERHEAD > size) {
      throw new IntegrityError(path, "file ends before its final chunk");
    }
    const { length } = readRecordHead(await bytesAt(at, 4), path);
    const record = await bytesAt(at, length + CHUNK_OVERHEAD);
    const { plaintext, flag } = cipher.open({ index, ptOffset }, record);
    lengths.push(length);
    at += record.length;
    ptOffset += length;
    yield plaintext;
    if (flag === FLAG_FINAL) break;
  }
  const index = encodeIndex(lengths);
  const tail = await readAt(file, at, size - at);
  if (tail.length !== index.length || !tail.every((b, i) => b === index[i])) {
    throw new IntegrityError(path, "index after the final chunk does not match the chunks");
  }
}
