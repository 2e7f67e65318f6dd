/**
 * Writing sealed files. {@link SealedAppender} is a sealing layer over a durable
 * append-only file (src/codec's DurableAppender: `.partial` name, timed fdatasync, a full
 * disk stalls instead of failing, atomic rename on commit), with the same interface, so
 * the Ogg and WAV writers write through it unchanged. Plaintext waits in memory at most
 * `sealIntervalMs` before it is sealed as a (maybe short) chunk and written; the inner
 * file then fdatasyncs on its own interval. `commit()` seals the FINAL chunk and the index.
 *
 * {@link recoverSealed} closes a sealed `.partial` that a crash cut off: it keeps every
 * whole, authentic chunk, cuts the rest, and appends an empty FINAL chunk and the index,
 * so the file reads to the last chunk written (at most one sync interval lost).
 *
 * @module
 */
import { dirname } from "node:path";
import { ChunkSealer } from "./chunk_sealer.ts";
import { scanSealed } from "./sealed_scan.ts";
import {
  ChunkCipher,
  concat,
  encodeIndex,
  encodeKeySlot,
  FIXED_HEADER_BYTES,
  FLAG_FINAL,
  HEADER_BYTES,
  parseHeader,
  type SealHeader,
  type SealKey,
} from "./sealed_format.ts";

/** The durable file a {@link SealedAppender} writes through (DurableAppender's shape). */
export interface RawAppender {
  readonly partialPath: string;
  readonly size: number;
  readonly pendingBytes: number;
  readonly stalled: boolean;
  readonly stallError: unknown;
  readonly stalls: number;
  append(chunks: readonly Uint8Array[]): Promise<void>;
  retry(): Promise<boolean>;
  syncIfDue(): Promise<void>;
  patch(offset: number, bytes: Uint8Array): Promise<void>;
  commit(): Promise<{ path: string; sha256: string; bytes: number }>;
  close(): void;
}

/** How a {@link SealedAppender} seals. */
export interface SealOptions {
  key: SealKey;
  /** Largest plaintext per chunk. */
  chunkBytes: number;
  /** Longest time plaintext waits in memory before it is sealed and written. */
  sealIntervalMs: number;
  /** Bytes at the start that form chunk 0 alone, patchable once (WAV header). */
  headBytes?: number;
  now?: () => number;
}

/**
 * A sealing layer with the {@link RawAppender} interface: `size` counts plaintext sealed
 * and handed to the file, `pendingBytes` plaintext still buffered; `patch` may rewrite
 * only the head; `commit` returns the SHA-256 and size of the sealed bytes on disk.
 */
export class SealedAppender implements RawAppender {
  #inner: RawAppender;
  #sealer: ChunkSealer;
  #now: () => number;
  #intervalMs: number;
  #bufferedSince: number | null = null;
  #finished = false;

  private constructor(inner: RawAppender, sealer: ChunkSealer, o: SealOptions) {
    this.#inner = inner;
    this.#sealer = sealer;
    this.#now = o.now ?? Date.now;
    this.#intervalMs = o.sealIntervalMs;
  }

  /** Writes the header through `inner` (a new, empty file) and returns the layer. */
  static async over(inner: RawAppender, options: SealOptions): Promise<SealedAppender> {
    const sealer = new ChunkSealer(options.key, {
      chunkBytes: options.chunkBytes,
      headBytes: options.headBytes ?? 0,
      path: inner.partialPath,
    });
    await inner.append([sealer.header]);
    return new SealedAppender(inner, sealer, options);
  }

  get partialPath(): string {
    return this.#inner.partialPath;
  }
  get size(): number {
    return this.#sealer.sealedBytes;
  }
  get pendingBytes(): number {
    return this.#sealer.bufferedBytes;
  }
  get stalled(): boolean {
    return this.#inner.stalled;
  }
  get stallError(): unknown {
    return this.#inner.stallError;
  }
  get stalls(): number {
    return this.#inner.stalls;
  }

  /** Buffers plaintext; full chunks (and a due flush) are sealed and written at once. */
  async append(chunks: readonly Uint8Array[]): Promise<void> {
    const records: Uint8Array[] = [];
    for (const c of chunks) {
      if (c.length === 0) continue;
      records.push(...this.#sealer.push(c));
      if (this.#sealer.bufferedBytes === 0) this.#bufferedSince = null;
      else this.#bufferedSince ??= this.#now();
    }
    records.push(...this.#flushIfDue());
    await this.#inner.append(records);
  }

  async retry(): Promise<boolean> {
    return await this.#inner.retry();
  }

  /** Seals buffered plaintext older than the seal interval, then lets the file sync. */
  async syncIfDue(): Promise<void> {
    const records = this.#flushIfDue();
    if (records.length) await this.#inner.append(records);
    await this.#inner.syncIfDue();
  }

  /** Seals and writes whatever is buffered now (a short chunk). */
  async flush(): Promise<void> {
    this.#bufferedSince = null;
    await this.#inner.append(this.#sealer.flush());
  }

  /** Rewrites plaintext inside the head (see {@link SealOptions.headBytes}). */
  async patch(offset: number, bytes: Uint8Array): Promise<void> {
    const { fileOffset, record } = this.#sealer.patchHead(offset, bytes);
    await this.#inner.patch(fileOffset, record);
  }

  /** FINAL chunk and index, then the file's commit (fsync, SHA-256 of sealed bytes, rename). */
  async commit(): Promise<{ path: string; sha256: string; bytes: number }> {
    if (!this.#finished) {
      this.#finished = true;
      await this.#inner.append(this.#sealer.finish());
    }
    return await this.#inner.commit();
  }

  close(): void {
    this.#inner.close();
  }

  #flushIfDue(): Uint8Array[] {
    if (this.#bufferedSince === null || this.#now() - this.#bufferedSince < this.#intervalMs) {
      return [];
    }
    this.#bufferedSince = null;
    return this.#sealer.flush();
  }
}

/** What {@link recoverSealed} kept. */
export interface RecoveredSealed {
  /** Plaintext bytes the file now holds. */
  plaintextBytes: number;
  /** Chunks in the closed file (the FINAL one included). */
  chunks: number;
  /** Sealed bytes cut off the end (a torn chunk). */
  cutBytes: number;
}

/**
 * Closes a sealed file a crash left unfinished, in place: truncates it after its last
 * whole authentic chunk, appends an empty FINAL chunk and the index, and fsyncs. A file
 * that is already finished is left as it is. Safe to run again after a crash.
 */
export async function recoverSealed(path: string, dataKey: Uint8Array): Promise<RecoveredSealed> {
  const bytes = await Deno.readFile(path);
  const scan = scanSealed(bytes, dataKey, path);
  const lengths = [...scan.lengths];
  const tailParts: Uint8Array[] = [];
  if (!scan.finished) {
    const cipher = new ChunkCipher(scan.header, dataKey, path);
    tailParts.push(cipher.seal({
      index: lengths.length,
      ptOffset: scan.plaintextBytes,
      flag: FLAG_FINAL,
    }, new Uint8Array(0)));
    lengths.push(0);
  }
  const tail = concat([...tailParts, encodeIndex(lengths)]);
  const kept = { plaintextBytes: scan.plaintextBytes, chunks: lengths.length };
  const rest = bytes.subarray(scan.end);
  if (rest.length === tail.length && rest.every((b, i) => b === tail[i])) {
    return { ...kept, cutBytes: 0 };
  }
  {
    using file = await Deno.open(path, { read: true, write: true });
    await file.truncate(scan.end);
    await file.seek(scan.end, Deno.SeekMode.Start);
    let o = 0;
    while (o < tail.length) o += await file.write(tail.subarray(o));
    await file.sync();
  }
  return { ...kept, cutBytes: bytes.length - scan.end };
}

/**
 * Writes a whole sealed file atomically: `<path>.tmp`, fsync, rename over `path`, fsync
 * of the directory. Returns the sealed size (the caller hashes if it needs to).
 */
export async function writeSealedFile(
  path: string,
  key: SealKey,
  plaintext: Uint8Array,
  chunkBytes: number,
): Promise<{ bytes: number }> {
  const sealer = new ChunkSealer(key, { chunkBytes, path });
  const parts = [sealer.header, ...sealer.push(plaintext), ...sealer.finish()];
  const tmp = `${path}.tmp`;
  {
    using file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    for (const p of parts) {
      let o = 0;
      while (o < p.length) o += await file.write(p.subarray(o));
    }
    await file.sync();
  }
  await Deno.rename(tmp, path);
  using dir = await Deno.open(dirname(path), { read: true });
  await dir.sync();
  return { bytes: parts.reduce((n, p) => n + p.length, 0) };
}

/**
 * Key rotation's one write: replaces the key slot (key id and wrapped data key, 104 bytes
 * inside the first sector) of a sealed file in place and fsyncs. The chunks are not
 * touched: the slot is not in their AAD. Changes the file's SHA-256.
 */
export async function writeKeySlot(
  path: string,
  slot: Pick<SealHeader, "keyId" | "wrappedKey">,
): Promise<void> {
  using file = await Deno.open(path, { read: true, write: true });
  const head = new Uint8Array(HEADER_BYTES);
  let n = 0;
  while (n < head.length) {
    const r = await file.read(head.subarray(n));
    if (r === null) break;
    n += r;
  }
  parseHeader(head.subarray(0, n), path);
  await file.seek(FIXED_HEADER_BYTES, Deno.SeekMode.Start);
  const bytes = encodeKeySlot(slot);
  let o = 0;
  while (o < bytes.length) o += await file.write(bytes.subarray(o));
  await file.sync();
}
