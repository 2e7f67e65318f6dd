/**
 * The one way to read a recording's stored bytes: playback (with Range), the WAV
 * transcode, the waveform, export and the scrubber all go through
 * {@link openRecordingBytes}, so none of them can serve bytes that were not verified.
 *
 * - A plain file is hashed and compared with `recordings.sha256` before any byte goes
 *   out; the verdict is cached by the file's identity (see verdict_cache.ts), and every
 *   later read re-checks that identity with `fstat` on the handle it reads from, so a
 *   file changed after its check is hashed again (or the stream is cut) rather than
 *   served. A file with no stored digest cannot be verified and is refused.
 * - A sealed file (`recordings.sealed`, src/seal) is checked the same way against its
 *   stored digest of the sealed bytes — that binds the file to its row, which chunk
 *   authentication alone would not (another recording's file sealed under the same KEK
 *   authenticates too) — and each chunk it decrypts is authenticated: only authenticated
 *   plaintext is returned, and a range decrypts only the chunks it touches. A mismatch
 *   that a key rotation in flight explains exactly is not one (rewrap_window.ts).
 *
 * Failures throw {@link IntegrityError}; callers report them (integrity_failure.ts).
 */
import { IntegrityError } from "../seal/integrity_error.ts";
import type { Unwrap } from "../seal/sealed_reader.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { type DigestDeps, FileCheck, readAt, verifyDigest } from "./file_check.ts";
import { type RewrapLookup, rewrapMismatch } from "./rewrap_window.ts";
import { chunkStream, SealedBytes } from "./sealed_bytes.ts";
import { identityOf, VerdictCache } from "./verdict_cache.ts";

/** Verified bytes of one recording (plaintext for a sealed file). */
export interface RecordingBytes {
  /** Bytes of the (plaintext) recording. */
  readonly size: number;
  /** When the file last changed (for Last-Modified). */
  readonly mtime: Date | null;
  /** Verified bytes `[start, end)`. */
  readRange(start: number, end: number): Promise<Uint8Array>;
  /** The whole recording, verified. */
  readAll(): Promise<Uint8Array>;
  /** Verified bytes `[start, end)` as a stream; it errors rather than pass a changed byte. */
  stream(start: number, end: number): ReadableStream<Uint8Array>;
}

/** What {@link openRecordingBytes} needs. */
export interface RecordingBytesDeps {
  /** Shared verdicts of a long-lived reader (the web app); absent: hash every time. */
  verdicts?: VerdictCache;
  /** Books `bytes` just read and waits as the I/O budget requires (the scrubber). */
  throttle?: (bytes: number) => Promise<void>;
  /** Data keys of sealed files (the keyring's `unwrapFor`); needed to read sealed ones. */
  unwrapFor?: (path: string) => Unwrap;
  /**
   * Key rotations in flight (rewrap_window.ts): a sealed file whose slot a rotation has
   * rewritten before its row followed is accepted, not reported. Absent: any mismatch is.
   */
  rewraps?: RewrapLookup;
}

/** The recording fields the read path uses (`sealed` absent = plain). */
export type RecordingRef = Pick<Recording, "id" | "sha256"> & Partial<Pick<Recording, "sealed">>;

/** Raised when a sealed recording is read where no keyring is available. */
export class NoKeyringError extends Error {
  override name = "NoKeyringError";
}

/** A plain file whose digest matched; every read re-checks the file is the one verified. */
class PlainBytes implements RecordingBytes {
  readonly size: number;
  readonly mtime: Date | null;
  #check: FileCheck;

  constructor(check: FileCheck, info: Deno.FileInfo) {
    this.#check = check;
    this.size = info.size;
    this.mtime = info.mtime;
  }

  async #open(): Promise<Deno.FsFile> {
    const file = await Deno.open(this.#check.path, { read: true });
    try {
      await this.#check.ensure(file);
      return file;
    } catch (err) {
      file.close();
      throw err;
    }
  }

  async readRange(start: number, end: number): Promise<Uint8Array> {
    using file = await this.#open();
    return await readAt(file, start, Math.min(end, this.size));
  }

  readAll(): Promise<Uint8Array> {
    return this.readRange(0, this.size);
  }

  stream(start: number, end: number): ReadableStream<Uint8Array> {
    return chunkStream(start, Math.min(end, this.size), {
      open: () => this.#open(),
      read: async (file, from, to) => {
        if (!this.#check.same(identityOf(this.#check.path, await file.stat()))) {
          throw new IntegrityError(this.#check.path, "the file changed while it was being read");
        }
        return await readAt(file, from, to);
      },
      close: (file) => file.close(),
    });
  }
}

/**
 * Opens recording `rec` stored at `path` (already resolved inside its storage root) and
 * verifies it before returning. Throws {@link IntegrityError} when it does not verify,
 * `Deno.errors.NotFound` when it is gone, {@link NoKeyringError} for a sealed recording
 * without `deps.unwrapFor`.
 */
export async function openRecordingBytes(
  rec: RecordingRef,
  path: string,
  deps: RecordingBytesDeps = {},
): Promise<RecordingBytes> {
  if (rec.sealed && !deps.unwrapFor) {
    throw new NoKeyringError(`recording ${rec.id} is sealed and no keyring is loaded`);
  }
  const digestDeps: DigestDeps = rec.sealed && deps.rewraps
    ? { ...deps, mismatch: rewrapMismatch(rec, deps.rewraps, deps.throttle) }
    : deps;
  let check: FileCheck, info: Deno.FileInfo;
  {
    using file = await Deno.open(path, { read: true });
    info = await file.stat();
    const id = identityOf(path, info);
    check = new FileCheck(id, await verifyDigest(file, id, rec.sha256, digestDeps), digestDeps);
  }
  if (!rec.sealed) return new PlainBytes(check, info);
  return await SealedBytes.open(check, info, deps.unwrapFor!(path));
}

export { IntegrityError, VerdictCache };
