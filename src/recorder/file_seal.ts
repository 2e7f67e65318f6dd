/**
 * Encryption at rest on the recorder's write path (src/seal): the key material a
 * recording's workers get, the sealing layer its Ogg/WAV file writes through, and the
 * sealed spill journal (written by the capture worker, read back by the encoder).
 *
 * The data key travels main → capture worker → encoder worker inside the FileSpec
 * (structured clone between threads of one process); it is never logged and never
 * written anywhere but wrapped, in the sealed files' headers.
 *
 * @module
 */
import type { FileAppender } from "../codec/recording_file.ts";
import { SealedAppender } from "../seal/sealed_writer.ts";
import { ChunkSealer } from "../seal/chunk_sealer.ts";
import { openSealedFile, type SealedReader } from "../seal/sealed_reader.ts";
import type { SealKey } from "../seal/sealed_format.ts";
import type { Keyring } from "../seal/keyring.ts";

/** How one recording's files are sealed (FileSpec.seal; absent = plain files). */
export interface FileSeal extends SealKey {
  /** Largest plaintext per chunk (`encryption.chunkBytes`). */
  chunkBytes: number;
  /** Longest wait before buffered audio is sealed and written (`encryption.syncIntervalMs`). */
  syncIntervalMs: number;
}

/** The `layer` option of the recording file writers for a sealed recording. */
export function sealLayer(
  seal: FileSeal,
): (out: FileAppender, info: { headBytes: number }) => Promise<FileAppender> {
  return (out, { headBytes }) =>
    SealedAppender.over(out, {
      key: seal,
      chunkBytes: seal.chunkBytes,
      sealIntervalMs: seal.syncIntervalMs,
      headBytes,
    });
}

/** The journal file as SpillJournal uses it: plain, or sealed. */
export interface JournalFile {
  /**
   * Appends `bytes`. Plain: all of them are in the file when this returns. Sealed: whole
   * chunks are sealed and written at once, the rest waits in memory until the chunk fills,
   * the seal interval passes or {@link flush} (few, larger seals and writes).
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Seals and writes whatever waits in memory (sealed); nothing to do for a plain file. */
  flush(): Promise<void>;
  /** Journal bytes in the file (sealed: in whole chunks written); later ones wait in memory. */
  readonly durableBytes: number;
  syncData(): Promise<void>;
  /**
   * After a failed write: cuts the file back to {@link durableBytes} so later writes go on
   * from there. A sealed journal cannot reuse the chunk counter it spent, so it also
   * refuses later writes (they go to memory instead).
   */
  cutTo(size: number): Promise<void>;
  close(): void;
}

/** The file operations a journal uses (tests wrap a real file to make writes fail). */
export type JournalTarget = Pick<Deno.FsFile, "write" | "syncData" | "truncate" | "seek" | "close">;

/** How {@link openJournalFile} opens the journal and reads the clock. */
export interface JournalFileOptions {
  now?: () => number;
  /** Opens the file; default Deno.open (create, truncate). */
  open?: (path: string) => Promise<JournalTarget>;
  /**
   * The journal's audio bytes per second: a sealed journal's chunks then hold one seal
   * interval (a quarter spare), not `chunkBytes`, so each spilling recording keeps a
   * small buffer in the capture worker.
   */
  bytesPerSecond?: number;
}

/** A sealed journal's chunk size (see {@link JournalFileOptions.bytesPerSecond}). */
export function journalChunkBytes(seal: FileSeal, bytesPerSecond?: number): number {
  if (!bytesPerSecond) return seal.chunkBytes;
  const interval = Math.ceil((bytesPerSecond * seal.syncIntervalMs / 1000) * 1.25);
  return Math.min(seal.chunkBytes, Math.max(4096, interval));
}

const openTruncated = (path: string): Promise<JournalTarget> =>
  Deno.open(path, { write: true, create: true, truncate: true });

async function writeAll(file: JournalTarget, bytes: Uint8Array): Promise<void> {
  for (let o = 0; o < bytes.length;) o += await file.write(bytes.subarray(o));
}

/** Creates (truncating) the journal at `path`; sealed when `seal` is given. */
export async function openJournalFile(
  path: string,
  seal?: FileSeal,
  o: JournalFileOptions = {},
): Promise<JournalFile> {
  const now = o.now ?? (() => performance.now());
  const file = await (o.open ?? openTruncated)(path);
  if (!seal) {
    let size = 0;
    return {
      async write(bytes) {
        await writeAll(file, bytes);
        size += bytes.length;
      },
      flush: () => Promise.resolve(),
      get durableBytes() {
        return size;
      },
      syncData: () => file.syncData(),
      async cutTo(to) {
        await file.truncate(to);
        await file.seek(to, Deno.SeekMode.Start);
        size = to;
      },
      close: () => file.close(),
    };
  }
  const chunkBytes = journalChunkBytes(seal, o.bytesPerSecond);
  const sealer = new ChunkSealer(seal, { chunkBytes, path });
  try {
    await writeAll(file, sealer.header);
  } catch (err) {
    file.close();
    throw err;
  }
  return new SealedJournalFile(file, sealer, { path, intervalMs: seal.syncIntervalMs, now });
}

/** A sealed journal: one chunk of whole batches per seal interval (or per full chunk). */
class SealedJournalFile implements JournalFile {
  #file: JournalTarget;
  #sealer: ChunkSealer;
  #o: { path: string; intervalMs: number; now: () => number };
  /** File bytes up to the end of the last chunk written whole. */
  #good: number;
  #durable = 0;
  #broken = false;
  /** When the oldest byte waiting in memory came. */
  #since: number | null = null;

  constructor(
    file: JournalTarget,
    sealer: ChunkSealer,
    o: { path: string; intervalMs: number; now: () => number },
  ) {
    this.#file = file;
    this.#sealer = sealer;
    this.#o = o;
    this.#good = sealer.header.length;
  }

  get durableBytes(): number {
    return this.#durable;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#check();
    // A batch that does not fit the chunk being filled starts the next one, so a chunk
    // holds whole batches (one larger than a chunk spans several).
    if (this.#sealer.bufferedBytes > 0 && bytes.length > this.#sealer.room) await this.flush();
    for (let o = 0; o < bytes.length;) {
      o += this.#sealer.fill(bytes.subarray(o));
      if (this.#sealer.room === 0) await this.flush();
    }
    if (this.#sealer.bufferedBytes === 0) return;
    this.#since ??= this.#o.now();
    if (this.#o.now() - this.#since >= this.#o.intervalMs) await this.flush();
  }

  async flush(): Promise<void> {
    this.#since = null;
    if (this.#sealer.bufferedBytes === 0) return;
    this.#check();
    // Broken until the record is written whole: a failure here leaves the file refusing.
    this.#broken = true;
    for (const record of this.#sealer.flush()) {
      await writeAll(this.#file, record);
      this.#good += record.length;
    }
    this.#durable = this.#sealer.sealedBytes;
    this.#broken = false;
  }

  syncData(): Promise<void> {
    return this.#file.syncData();
  }

  async cutTo(): Promise<void> {
    this.#broken = true;
    await this.#file.truncate(this.#good);
    await this.#file.seek(this.#good, Deno.SeekMode.Start);
  }

  close(): void {
    this.#file.close();
  }

  #check(): void {
    if (this.#broken) {
      throw new Error(`Sealed journal "${this.#o.path}" failed earlier; not written`);
    }
  }
}

/**
 * Reads spans of a recording's journal for replay (encoder worker): plain files by
 * offset; sealed ones through one reader kept open, which finds new chunks as the
 * capture worker writes them.
 */
export class JournalSpans {
  readonly path: string;
  #seal: FileSeal | undefined;
  #reader: SealedReader | null = null;

  constructor(path: string, seal?: FileSeal) {
    this.path = path;
    this.#seal = seal;
  }

  /** Journal bytes `[offset, offset + length)`; RangeError when the journal is shorter. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.#seal) {
      const key = this.#seal.dataKey;
      this.#reader ??= await openSealedFile(this.path, () => Promise.resolve(key), {
        unfinished: true,
      });
      if (offset + length > this.#reader.plaintextSize) await this.#reader.refresh();
      if (offset + length > this.#reader.plaintextSize) {
        throw new RangeError(`Journal "${this.path}" ends before byte ${offset + length}`);
      }
      return await this.#reader.readRange(offset, offset + length);
    }
    const bytes = new Uint8Array(length);
    using journal = await Deno.open(this.path, { read: true });
    await journal.seek(offset, Deno.SeekMode.Start);
    for (let o = 0; o < length;) {
      const n = await journal.read(bytes.subarray(o));
      if (n === null) {
        throw new RangeError(`Journal "${this.path}" ends before byte ${offset + length}`);
      }
      o += n;
    }
    return bytes;
  }

  close(): void {
    this.#reader?.close();
    this.#reader = null;
  }
}

/** Hands out the seal of each new recording (a fresh data key under the current KEK). */
export interface RecordingSealer {
  /** The KEK new recordings are wrapped under (stored as `recordings.key_id`). */
  readonly keyId: string;
  newSeal(): FileSeal;
}

/** The sealer of a box with encryption on. */
export function recordingSealer(
  keyring: Keyring,
  encryption: { chunkBytes: number; syncIntervalMs: number },
): RecordingSealer {
  return {
    get keyId() {
      return keyring.currentKeyId;
    },
    newSeal: () => ({
      ...keyring.newDataKeySync(),
      chunkBytes: encryption.chunkBytes,
      syncIntervalMs: encryption.syncIntervalMs,
    }),
  };
}
