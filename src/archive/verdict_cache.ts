/**
 * Remembers which plain recording files were hashed and found to match their stored
 * SHA-256, so a one-hour file is hashed once, not on every Range request of its player.
 * A verdict is keyed by the file's identity as `fstat` shows it — path, size, mtime,
 * ctime and inode — and the expected digest: a file written, replaced, truncated or
 * `touch`ed back to its old mtime (ctime still moves; Deno reports it in whole seconds)
 * no longer matches its key, so it is hashed again. Verifications of the same key running at once share one hash.
 */

/** What identifies the bytes of a file at a moment (from `Deno.FileInfo`). */
export interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** A file's identity as `Deno.stat` / `FsFile.stat` report it. */
export function identityOf(path: string, info: Deno.FileInfo): FileIdentity {
  return {
    path,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ctimeMs: info.ctime?.getTime() ?? 0,
    ino: info.ino ?? 0,
  };
}

/** The outcome of hashing a file against its stored digest. */
export type Verdict = { ok: true } | { ok: false; detail: string };

function keyOf(id: FileIdentity, sha256: string): string {
  return [id.path, id.size, id.mtimeMs, id.ctimeMs, id.ino, sha256].join("\0");
}

/** An LRU of verdicts with in-flight sharing. */
export class VerdictCache {
  #done = new Map<string, Verdict>();
  #running = new Map<string, Promise<Verdict>>();
  #max: number;
  #hashes = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? 4096;
  }

  /** The cached verdict of this identity and digest, if any. */
  get(id: FileIdentity, sha256: string): Verdict | undefined {
    const k = keyOf(id, sha256);
    const v = this.#done.get(k);
    if (v !== undefined) {
      this.#done.delete(k);
      this.#done.set(k, v);
    }
    return v;
  }

  /**
   * The verdict for `id` and `sha256`: cached, or the one `compute` is producing for
   * another caller, or a new run of `compute` (whose result is then cached). A `compute`
   * that throws (an I/O error) caches nothing.
   */
  async verdict(
    id: FileIdentity,
    sha256: string,
    compute: () => Promise<Verdict>,
  ): Promise<Verdict> {
    const hit = this.get(id, sha256);
    if (hit) return hit;
    const k = keyOf(id, sha256);
    const running = this.#running.get(k);
    if (running) return await running;
    this.#hashes++;
    const p = compute();
    this.#running.set(k, p);
    try {
      const v = await p;
      this.#done.set(k, v);
      if (this.#done.size > this.#max) this.#done.delete(this.#done.keys().next().value!);
      return v;
    } finally {
      this.#running.delete(k);
    }
  }

  /** How many times `compute` ran (tests and metrics). */
  get hashes(): number {
    return this.#hashes;
  }
}
