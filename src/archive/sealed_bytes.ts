/**
 * Sealed recordings behind recording_bytes.ts: plaintext from src/seal's reader, every
 * chunk authenticated as it is decrypted, after the file's digest verified (FileCheck).
 * Also the chunked stream both kinds of file serve Range responses with.
 */
import { openSealedFile, readSealedChunks, type Unwrap } from "../seal/sealed_reader.ts";
import { concat } from "../seal/sealed_format.ts";
import type { FileCheck } from "./file_check.ts";
import type { RecordingBytes } from "./recording_bytes.ts";

const STREAM_CHUNK = 1 << 16;

/** How {@link chunkStream} reads: open a source, read `[from, to)` of it, close it. */
export interface ChunkSource<H> {
  open(): Promise<H>;
  read(handle: H, from: number, to: number): Promise<Uint8Array>;
  close(handle: H): void;
}

/**
 * A byte stream of `[start, end)` read 64 KiB at a time from a source opened on the first
 * pull; a read error (an IntegrityError) errors the stream, closing the source.
 */
export function chunkStream<H>(
  start: number,
  end: number,
  src: ChunkSource<H>,
): ReadableStream<Uint8Array> {
  let handle: H | null = null;
  let pos = start;
  let cancelled = false;
  let pending: Promise<void> = Promise.resolve();
  const close = () => {
    try {
      if (handle !== null) src.close(handle);
    } catch {
      // already closed
    }
    handle = null;
  };
  const pullOnce = async (ctrl: ReadableStreamController<Uint8Array>): Promise<void> => {
    try {
      handle ??= await src.open();
      const chunk = pos < end
        ? await src.read(handle, pos, Math.min(end, pos + STREAM_CHUNK))
        : null;
      if (cancelled) return close();
      if (!chunk || chunk.length === 0) {
        close();
        return ctrl.close();
      }
      pos += chunk.length;
      ctrl.enqueue(chunk);
    } catch (err) {
      close();
      if (!cancelled) ctrl.error(err);
    }
  };
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(ctrl) {
      pending = pullOnce(ctrl);
      return pending;
    },
    // A cancel while a read is in flight closes the source once that read is done.
    cancel() {
      cancelled = true;
      return pending.then(close);
    },
  });
}

/** A sealed file that verified: plaintext reads authenticate the chunks they touch. */
export class SealedBytes implements RecordingBytes {
  readonly size: number;
  readonly mtime: Date | null;
  #check: FileCheck;
  #unwrap: Unwrap;

  private constructor(check: FileCheck, info: Deno.FileInfo, unwrap: Unwrap, size: number) {
    this.#check = check;
    this.#unwrap = unwrap;
    this.mtime = info.mtime;
    this.size = size;
  }

  /** Opens the header, index and FINAL chunk (authenticated) to learn the plaintext size. */
  static async open(check: FileCheck, info: Deno.FileInfo, unwrap: Unwrap): Promise<SealedBytes> {
    using reader = await openSealedFile(check.path, unwrap);
    return new SealedBytes(check, info, unwrap, reader.plaintextSize);
  }

  async #reader() {
    {
      using file = await Deno.open(this.#check.path, { read: true });
      await this.#check.ensure(file);
    }
    return await openSealedFile(this.#check.path, this.#unwrap);
  }

  async readRange(start: number, end: number): Promise<Uint8Array> {
    using reader = await this.#reader();
    return await reader.readRange(start, Math.min(end, reader.plaintextSize));
  }

  async readAll(): Promise<Uint8Array> {
    {
      using file = await Deno.open(this.#check.path, { read: true });
      await this.#check.ensure(file);
    }
    const parts: Uint8Array[] = [];
    for await (const pt of readSealedChunks(this.#check.path, this.#unwrap)) parts.push(pt);
    return concat(parts);
  }

  stream(start: number, end: number): ReadableStream<Uint8Array> {
    return chunkStream(start, Math.min(end, this.size), {
      open: () => this.#reader(),
      read: (reader, from, to) => reader.readRange(from, to),
      close: (reader) => reader.close(),
    });
  }
}
