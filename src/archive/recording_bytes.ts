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
 * - A sealed file (`src/seal`) authenticates each chunk it decrypts; only authenticated
 *   plaintext is returned.
 *
 * Failures throw {@link IntegrityError}; callers report them (integrity_failure.ts).
 */
import { createHash } from "node:crypto";
import { IntegrityError } from "../seal/integrity_error.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { type FileIdentity, identityOf, type Verdict, VerdictCache } from "./verdict_cache.ts";

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
}

/** The recording fields the read path uses. */
export type RecordingRef = Pick<Recording, "id" | "sha256">;

const CHUNK = 1 << 16;

/** SHA-256 hex of everything `file` holds, read from offset 0 in chunks. */
async function hashHandle(
  file: Deno.FsFile,
  throttle?: (bytes: number) => Promise<void>,
): Promise<string> {
  const hash = createHash("sha256");
  const buf = new Uint8Array(CHUNK);
  await file.seek(0, Deno.SeekMode.Start);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    await throttle?.(n);
  }
  return hash.digest("hex");
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino;
}

/** Reads exactly `[start, end)` of `file` (fewer bytes only at end of file). */
async function readAt(file: Deno.FsFile, start: number, end: number): Promise<Uint8Array> {
  const out = new Uint8Array(Math.max(0, end - start));
  await file.seek(start, Deno.SeekMode.Start);
  let got = 0;
  while (got < out.length) {
    const n = await file.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

/** A plain file whose digest matched; every read re-checks the file is the one verified. */
class PlainBytes implements RecordingBytes {
  readonly size: number;
  readonly mtime: Date | null;
  #path: string;
  #rec: RecordingRef;
  #deps: RecordingBytesDeps;
  #id: FileIdentity;

  constructor(path: string, rec: RecordingRef, deps: RecordingBytesDeps, info: Deno.FileInfo) {
    this.#path = path;
    this.#rec = rec;
    this.#deps = deps;
    this.#id = identityOf(path, info);
    this.size = info.size;
    this.mtime = info.mtime;
  }

  /** Opens the file and makes sure the handle holds verified bytes. */
  async #open(): Promise<Deno.FsFile> {
    const file = await Deno.open(this.#path, { read: true });
    try {
      const id = identityOf(this.#path, await file.stat());
      if (!sameFile(id, this.#id)) {
        await verifyPlain(file, id, this.#rec, this.#deps);
        if (id.size !== this.size) {
          throw new IntegrityError(this.#path, `size changed from ${this.size} to ${id.size}`);
        }
        this.#id = id;
      }
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
    let file: Deno.FsFile | null = null;
    let pos = start;
    const stop = Math.min(end, this.size);
    const close = () => {
      try {
        file?.close();
      } catch {
        // already closed
      }
      file = null;
    };
    return new ReadableStream<Uint8Array>({
      type: "bytes",
      pull: async (ctrl) => {
        try {
          file ??= await this.#open();
          if (!sameFile(identityOf(this.#path, await file.stat()), this.#id)) {
            throw new IntegrityError(this.#path, "the file changed while it was being read");
          }
          const chunk = pos < stop ? await readAt(file, pos, Math.min(stop, pos + CHUNK)) : null;
          if (!chunk || chunk.length === 0) {
            close();
            ctrl.close();
            return;
          }
          pos += chunk.length;
          ctrl.enqueue(chunk);
        } catch (err) {
          close();
          ctrl.error(err);
        }
      },
      cancel: close,
    });
  }
}

/** Hashes `file` (or takes the cached verdict) and throws when it does not match. */
async function verifyPlain(
  file: Deno.FsFile,
  id: FileIdentity,
  rec: RecordingRef,
  deps: RecordingBytesDeps,
): Promise<void> {
  const expected = rec.sha256;
  if (!expected) throw new IntegrityError(id.path, "no SHA-256 was stored for this file");
  const compute = async (): Promise<Verdict> => {
    const actual = await hashHandle(file, deps.throttle);
    return actual === expected
      ? { ok: true }
      : { ok: false, detail: `SHA-256 is ${actual}, expected ${expected}` };
  };
  const v = deps.verdicts ? await deps.verdicts.verdict(id, expected, compute) : await compute();
  if (!v.ok) throw new IntegrityError(id.path, v.detail);
}

/**
 * Opens recording `rec` stored at `path` (already resolved inside its storage root) and
 * verifies it before returning. Throws {@link IntegrityError} when it does not verify,
 * `Deno.errors.NotFound` when it is gone.
 */
export async function openRecordingBytes(
  rec: RecordingRef,
  path: string,
  deps: RecordingBytesDeps = {},
): Promise<RecordingBytes> {
  using file = await Deno.open(path, { read: true });
  const info = await file.stat();
  await verifyPlain(file, identityOf(path, info), rec, deps);
  return new PlainBytes(path, rec, deps, info);
}

export { IntegrityError, VerdictCache };
