/**
 * Append-only file with explicit durability: `<final>.partial` while written, fdatasync
 * on a timer, and an atomic finish (fsync, SHA-256, rename, fsync of the directory).
 * Internal to src/codec; recording_file.ts builds the Ogg and WAV adapters on it.
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";

/** Suffix of files still being written or left behind by a crash. */
export const PARTIAL_SUFFIX = ".partial";

/** Write all of `bytes` at the current position. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let o = 0;
  while (o < bytes.length) o += await file.write(bytes.subarray(o));
}

/** SHA-256 hex of a file, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

/** fsync a directory so a rename in it survives power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  using d = await Deno.open(dir, { read: true });
  await d.sync();
}

/** Rename `partial` to `final` durably; returns the final file's SHA-256 and size. */
export async function commitFile(
  partial: string,
  final: string,
): Promise<{ sha256: string; bytes: number }> {
  const sha256 = await sha256File(partial);
  const { size } = await Deno.stat(partial);
  await Deno.rename(partial, final);
  await syncDirectory(dirname(final));
  return { sha256, bytes: size };
}

/** Final path for a partial one: strips {@link PARTIAL_SUFFIX}. */
export function finalPathOf(partialPath: string): string {
  if (!partialPath.endsWith(PARTIAL_SUFFIX)) {
    throw new TypeError(`Path "${basename(partialPath)}" does not end in ${PARTIAL_SUFFIX}`);
  }
  return partialPath.slice(0, -PARTIAL_SUFFIX.length);
}

/** An open `.partial` file with timed fdatasync. */
export class DurableAppender {
  readonly finalPath: string;
  readonly partialPath: string;
  #file: Deno.FsFile;
  #now: () => number;
  #syncIntervalMs: number;
  #lastSync: number;
  #dirty = false;
  #size = 0;

  private constructor(finalPath: string, file: Deno.FsFile, now: () => number, syncMs: number) {
    this.finalPath = finalPath;
    this.partialPath = finalPath + PARTIAL_SUFFIX;
    this.#file = file;
    this.#now = now;
    this.#syncIntervalMs = syncMs;
    this.#lastSync = now();
  }

  /** Create `<finalPath>.partial`; fails if it or `finalPath` already exists. */
  static async create(
    finalPath: string,
    now: () => number,
    syncIntervalMs: number,
  ): Promise<DurableAppender> {
    try {
      await Deno.lstat(finalPath);
      throw new Deno.errors.AlreadyExists(`Recording "${finalPath}" already exists`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const file = await Deno.open(finalPath + PARTIAL_SUFFIX, { write: true, createNew: true });
    return new DurableAppender(finalPath, file, now, syncIntervalMs);
  }

  /** Bytes appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Append bytes, then fdatasync if the interval has passed. */
  async append(chunks: readonly Uint8Array[]): Promise<void> {
    for (const c of chunks) {
      await writeAll(this.#file, c);
      this.#size += c.length;
      this.#dirty = true;
    }
    await this.syncIfDue();
  }

  /** fdatasync when there is unsynced data and `syncIntervalMs` has passed. */
  async syncIfDue(): Promise<void> {
    if (this.#dirty && this.#now() - this.#lastSync >= this.#syncIntervalMs) {
      await this.#file.syncData();
      this.#dirty = false;
      this.#lastSync = this.#now();
    }
  }

  /** Overwrite bytes at `offset` (header fix-ups) without moving the append position. */
  async patch(offset: number, bytes: Uint8Array): Promise<void> {
    await this.#file.seek(offset, Deno.SeekMode.Start);
    await writeAll(this.#file, bytes);
    await this.#file.seek(0, Deno.SeekMode.End);
  }

  /** fsync, close, hash and rename to the final name. */
  async commit(): Promise<{ path: string; sha256: string; bytes: number }> {
    await this.#file.sync();
    this.#file.close();
    const r = await commitFile(this.partialPath, this.finalPath);
    return { path: this.finalPath, ...r };
  }

  /** Close without finishing: the `.partial` stays for recovery (crash simulation). */
  close(): void {
    this.#file.close();
  }
}
