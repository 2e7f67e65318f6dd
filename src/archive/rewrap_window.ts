/**
 * The window of a key rotation (src/keys/rotate_run.ts) in which a sealed file and its
 * row disagree without anything being wrong: the rotation journals the old and new key
 * slot (`key_rewrap_jobs`), writes the new slot into the file, and only then switches the
 * row to the new digest. A read (or the scrubber) in between hashes the file with the new
 * slot against the row's digest of the old one.
 *
 * Before such a mismatch is flagged, {@link rewrapMismatch} accepts the file when, and
 * only when, the rotation explains it exactly:
 * - a journal row is there, the file's slot is the journaled new slot, and the file with
 *   the journaled old slot put back hashes to the row's digest — every byte but the
 *   104-byte slot is the verified file, and the new slot is only usable if it unwraps
 *   (authenticated, AES-GCM) under its KEK;
 * - or no journal row is left and the row, read again, has a new digest (the rotation
 *   finished meanwhile) that the file matches.
 * Anything else (a tampered chunk, a torn or foreign slot) stays a mismatch. The chunks
 * are authenticated as they are decrypted either way, so no unauthenticated byte is served.
 */
import { createHash } from "node:crypto";
import type { Db } from "../store/db.ts";
import { recordingDigest, rewrapJobOf } from "../store/queries/key_jobs.ts";
import { FIXED_HEADER_BYTES, HEADER_BYTES } from "../seal/sealed_format.ts";
import type { FileIdentity } from "./verdict_cache.ts";

/** A rotation step in flight for one recording: its key slot before and after. */
export interface InFlightRewrap {
  oldSlot: Uint8Array;
  newSlot: Uint8Array;
}

/** What the read path asks the store about a rotation when a sealed file mismatches. */
export interface RewrapLookup {
  /** The journaled step of recording `id`, or null. */
  job(id: string): Promise<InFlightRewrap | null>;
  /** Recording `id`'s stored digest now, or null. */
  digest(id: string): Promise<string | null>;
}

/** A {@link RewrapLookup} over the database. */
export function rewrapLookup(db: Db): RewrapLookup {
  return {
    async job(id) {
      const j = await rewrapJobOf(db, id);
      return j ? { oldSlot: j.old_slot, newSlot: j.new_slot } : null;
    },
    digest: (id) => recordingDigest(db, id),
  };
}

const CHUNK = 1 << 16;

/** One pass over `file`: its digest, its key slot, and its digest with `slot` in place. */
async function digests(
  file: Deno.FsFile,
  slot: Uint8Array | null,
  throttle?: (bytes: number) => Promise<void>,
): Promise<{ actual: string; withSlot: string; fileSlot: Uint8Array }> {
  const actual = createHash("sha256");
  const swapped = createHash("sha256");
  const fileSlot = new Uint8Array(HEADER_BYTES - FIXED_HEADER_BYTES);
  const buf = new Uint8Array(CHUNK);
  await file.seek(0, Deno.SeekMode.Start);
  for (let at = 0;;) {
    const n = await file.read(buf);
    if (n === null) break;
    const part = buf.subarray(0, n);
    actual.update(part);
    for (let i = Math.max(at, FIXED_HEADER_BYTES); i < Math.min(at + n, HEADER_BYTES); i++) {
      fileSlot[i - FIXED_HEADER_BYTES] = part[i - at];
      if (slot) part[i - at] = slot[i - FIXED_HEADER_BYTES];
    }
    swapped.update(part);
    at += n;
    await throttle?.(n);
  }
  return { actual: actual.digest("hex"), withSlot: swapped.digest("hex"), fileSlot };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The `mismatch` hook (file_check.ts) of sealed recording `rec`: the digest to accept
 * for a file a rotation in flight (or just finished) explains, else null.
 */
export function rewrapMismatch(
  rec: { id: string; sha256: string | null },
  lookup: RewrapLookup,
  throttle?: (bytes: number) => Promise<void>,
): (file: Deno.FsFile, id: FileIdentity) => Promise<string | null> {
  return async (file) => {
    const job = await lookup.job(rec.id);
    if (job) {
      const d = await digests(file, job.oldSlot, throttle);
      const explained = same(d.fileSlot, job.newSlot) && d.withSlot === rec.sha256;
      return explained ? d.actual : null;
    }
    const now = await lookup.digest(rec.id);
    if (!now || now === rec.sha256) return null;
    const d = await digests(file, null, throttle);
    return d.actual === now ? d.actual : null;
  };
}
