/**
 * Append-only file with explicit durability: `<final>.partial` while written, fdatasync
 * on a timer, and an atomic finish (fsync, SHA-256, rename, fsync of the directory). A
 * full disk or an I/O error holds the unwritten bytes in memory until a retry writes them.
 * Internal to src/codec; recording_file.ts builds the Ogg and WAV adapters on it.
 */
import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";
import { isTransientWriteError, type WriteBudget } from "./write_errors.ts";

/** Suffix of files still being written or left behind by a crash. */
export const PARTIAL_SUFFIX = ".partial";

/** Write all of `bytes` at the current position. */
export async function writeAll(file: Pick<Deno.FsFile, "write">, bytes: Uint8Array): Promise<void> {
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

/** The file operations a {@link DurableAppender} uses; tests wrap them to inject faults. */
export type AppendTarget = Pick<Deno.FsFile, "write" | "syncData" | "sync" | "seek" | "close">;

/** Optional parts of {@link DurableAppender.create}. */
export interface AppenderExtras {
  /** Shared count of bytes held in memory while writes wait for the disk. */
  budget?: WriteBudget;
  /** Wraps the opened file (fault injection in tests). */
  wrap?: (file: Deno.FsFile) => AppendTarget;
}

/**
 * An open `.partial` file with timed fdatasync. A write or sync that fails with a
 * transient error (disk full, I/O error; see write_errors.ts) does not fail the file:
 * the unwritten bytes stay queued in memory, in order, from the exact byte the kernel
 * stopped at, and {@link retry} resumes them. Other errors are thrown.
 */
export class DurableAppender {
  readonly finalPath: string;
  readonly partialPath: string;
  #file: AppendTarget;
  #now: () => number;
  #syncIntervalMs: number;
  #budget: WriteBudget | null;
  #lastSync: number;
  #dirty = false;
  #size = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #stallSince: number | null = null;
  #stallError: unknown = null;
  #stalls = 0;
  #closed = false;

  private constructor(
    finalPath: string,
    file: AppendTarget,
    now: () => number,
    syncMs: number,
    budget: WriteBudget | null,
  ) {
    this.finalPath = finalPath;
    this.partialPath = finalPath + PARTIAL_SUFFIX;
    this.#file = file;
    this.#now = now;
    this.#syncIntervalMs = syncMs;
    this.#budget = budget;
    this.#lastSync = now();
  }

  /** Create `<finalPath>.partial`; fails if it or `finalPath` already exists. */
  static async create(
    finalPath: string,
    now: () => number,
    syncIntervalMs: number,
    extras: AppenderExtras = {},
  ): Promise<DurableAppender> {
    try {
      await Deno.lstat(finalPath);
      throw new Deno.errors.AlreadyExists(`Recording "${finalPath}" already exists`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const file = await Deno.open(finalPath + PARTIAL_SUFFIX, { write: true, createNew: true });
    const target = extras.wrap ? extras.wrap(file) : file;
    return new DurableAppender(finalPath, target, now, syncIntervalMs, extras.budget ?? null);
  }

  /** Bytes on disk so far. */
  get size(): number {
    return this.#size;
  }

  /** Bytes appended and still waiting in memory for the disk. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** True from a transient write or sync failure until a retry has written everything. */
  get stalled(): boolean {
    return this.#stallSince !== null;
  }

  /** The failure that started the current stall, or null. */
  get stallError(): unknown {
    return this.#stallError;
  }

  /** Stall episodes so far. */
  get stalls(): number {
    return this.#stalls;
  }

  /** Queues bytes; writes them now unless stalled (then {@link retry} does), syncs when due. */
  async append(chunks: readonly Uint8Array[]): Promise<void> {
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.#pending.push(c);
      this.#pendingBytes += c.length;
      this.#budget?.add(c.length);
    }
    if (this.stalled) return;
    if (await this.#drain()) await this.syncIfDue();
  }

  /** While stalled: writes what is queued and syncs; true once nothing is owed. */
  async retry(): Promise<boolean> {
    if (!this.stalled) return true;
    if (!(await this.#drain())) return false;
    if (!(await this.#sync())) return false;
    this.#stallSince = null;
    this.#stallError = null;
    return true;
  }

  /** fdatasync when there is unsynced data and `syncIntervalMs` has passed. */
  async syncIfDue(): Promise<void> {
    if (this.#dirty && this.#now() - this.#lastSync >= this.#syncIntervalMs) await this.#sync();
  }

  /** Overwrite bytes at `offset` (header fix-ups) without moving the append position. */
  async patch(offset: number, bytes: Uint8Array): Promise<void> {
    await this.#flush();
    await this.#file.seek(offset, Deno.SeekMode.Start);
    await writeAll(this.#file, bytes);
    await this.#file.seek(0, Deno.SeekMode.End);
  }

  /**
   * Writes what is queued, fsyncs, closes, hashes and renames to the final name. Throws
   * the stall's error while the disk still refuses; calling it again resumes.
   */
  async commit(): Promise<{ path: string; sha256: string; bytes: number }> {
    if (!this.#closed) {
      await this.#flush();
      await this.#file.sync();
      this.#file.close();
      this.#closed = true;
    }
    const r = await commitOrResume(this.partialPath, this.finalPath);
    return { path: this.finalPath, ...r };
  }

  /** Close without finishing: the `.partial` stays for recovery (crash simulation). */
  close(): void {
    this.#budget?.add(-this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.#closed) this.#file.close();
    this.#closed = true;
  }

  /** Writes queued chunks in order; false (stalled) on a transient failure. */
  async #drain(): Promise<boolean> {
    while (this.#pending.length > 0) {
      const c = this.#pending[0];
      let n: number;
      try {
        n = await this.#file.write(c);
      } catch (err) {
        this.#stall(err);
        return false;
      }
      this.#size += n;
      this.#pendingBytes -= n;
      this.#budget?.add(-n);
      this.#dirty = true;
      if (n >= c.length) this.#pending.shift();
      else this.#pending[0] = c.subarray(n);
    }
    return true;
  }

  async #sync(): Promise<boolean> {
    try {
      await this.#file.syncData();
    } catch (err) {
      this.#stall(err);
      return false;
    }
    this.#dirty = false;
    this.#lastSync = this.#now();
    return true;
  }

  async #flush(): Promise<void> {
    if (!(await this.#drain())) throw this.#stallError;
  }

  #stall(err: unknown): void {
    if (!isTransientWriteError(err)) throw err;
    if (this.#stallSince === null) this.#stalls++;
    this.#stallSince ??= this.#now();
    this.#stallError ??= err;
  }
}

/** {@link commitFile}, or its end when an earlier attempt already renamed the file. */
async function commitOrResume(
  partial: string,
  final: string,
): Promise<{ sha256: string; bytes: number }> {
  try {
    await Deno.lstat(partial);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const { size } = await Deno.stat(final);
    await syncDirectory(dirname(final));
    return { sha256: await sha256File(final), bytes: size };
  }
  return await commitFile(partial, final);
}
