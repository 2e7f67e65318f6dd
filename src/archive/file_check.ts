/**
 * The digest check under recording_bytes.ts: a stored file hashed against its row's
 * SHA-256 (through the verdict cache when there is one), and {@link FileCheck}, which
 * remembers the identity that verified so each later read can tell the file changed.
 */
import { createHash } from "node:crypto";
import { IntegrityError } from "../seal/integrity_error.ts";
import { type FileIdentity, identityOf, type Verdict, type VerdictCache } from "./verdict_cache.ts";

/** How a digest check reads: the shared verdicts and the I/O budget, both optional. */
export interface DigestDeps {
  verdicts?: VerdictCache;
  throttle?: (bytes: number) => Promise<void>;
  /**
   * Asked when the file does not match the expected digest: the digest to accept instead
   * when something known explains it (a key rotation rewrote the key slot and the row has
   * not followed yet, rewrap_window.ts), or null: the mismatch stands.
   */
  mismatch?: (file: Deno.FsFile, id: FileIdentity) => Promise<string | null>;
}

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

/** Reads `[start, end)` of `file` (fewer bytes only at end of file). */
export async function readAt(file: Deno.FsFile, start: number, end: number): Promise<Uint8Array> {
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

/**
 * Hashes `file` (or takes the cached verdict) and throws when it does not match and
 * `deps.mismatch` does not explain it. Returns the digest the file matched.
 */
export async function verifyDigest(
  file: Deno.FsFile,
  id: FileIdentity,
  expected: string | null,
  deps: DigestDeps,
): Promise<string> {
  if (!expected) throw new IntegrityError(id.path, "no SHA-256 was stored for this file");
  const compute = async (): Promise<Verdict> => {
    const actual = await hashHandle(file, deps.throttle);
    return actual === expected
      ? { ok: true }
      : { ok: false, detail: `SHA-256 is ${actual}, expected ${expected}` };
  };
  const v = deps.verdicts ? await deps.verdicts.verdict(id, expected, compute) : await compute();
  if (v.ok) return expected;
  const instead = await deps.mismatch?.(file, id);
  if (instead) return instead;
  throw new IntegrityError(id.path, v.detail);
}

/** The identity a file verified with; {@link ensure} re-verifies a file that moved on. */
export class FileCheck {
  #id: FileIdentity;
  #expected: string | null;
  #deps: DigestDeps;

  constructor(id: FileIdentity, expected: string | null, deps: DigestDeps) {
    this.#id = id;
    this.#expected = expected;
    this.#deps = deps;
  }

  get path(): string {
    return this.#id.path;
  }

  /** True when `id` is the identity that verified. */
  same(id: FileIdentity): boolean {
    const a = this.#id;
    return a.size === id.size && a.mtimeMs === id.mtimeMs && a.ctimeMs === id.ctimeMs &&
      a.ino === id.ino;
  }

  /** Makes sure `file` (open on {@link path}) holds verified bytes of the verified size. */
  async ensure(file: Deno.FsFile): Promise<void> {
    const id = identityOf(this.#id.path, await file.stat());
    if (this.same(id)) return;
    this.#expected = await verifyDigest(file, id, this.#expected, this.#deps);
    if (id.size !== this.#id.size) {
      throw new IntegrityError(id.path, `size changed from ${this.#id.size} to ${id.size}`);
    }
    this.#id = id;
  }
}
