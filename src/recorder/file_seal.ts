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
  /** Writes all of `bytes` (sealed: as whole chunks, so what returned is on disk). */
  write(bytes: Uint8Array): Promise<void>;
  syncData(): Promise<void>;
  /**
   * After a failed write: cuts the file back to `size` journal bytes so later writes go
   * on from there. A sealed journal cannot reuse the chunk counter it spent, so it cuts
   * back to its last whole chunk and refuses later writes (they go to memory instead).
   */
  cutTo(size: number): Promise<void>;
  close(): void;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let o = 0; o < bytes.length;) o += await file.write(bytes.subarray(o));
}

/** Creates (truncating) the journal at `path`; sealed when `seal` is given. */
export async function openJournalFile(path: string, seal?: FileSeal): Promise<JournalFile> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  if (!seal) {
    return {
      write: (bytes) => writeAll(file, bytes),
      syncData: () => file.syncData(),
      async cutTo(size) {
        await file.truncate(size);
        await file.seek(size, Deno.SeekMode.Start);
      },
      close: () => file.close(),
    };
  }
  const sealer = new ChunkSealer(seal, { chunkBytes: seal.chunkBytes, path });
  let good = sealer.header.length, broken = false;
  try {
    await writeAll(file, sealer.header);
  } catch (err) {
    file.close();
    throw err;
  }
  return {
    async write(bytes) {
      if (broken) throw new Error(`Sealed journal "${path}" failed earlier; not written`);
      const records = [...sealer.push(bytes), ...sealer.flush()];
      broken = true;
      let end = good;
      for (const r of records) {
        await writeAll(file, r);
        end += r.length;
      }
      good = end;
      broken = false;
    },
    syncData: () => file.syncData(),
    async cutTo() {
      broken = true;
      await file.truncate(good);
      await file.seek(good, Deno.SeekMode.Start);
    },
    close: () => file.close(),
  };
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
