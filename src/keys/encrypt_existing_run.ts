/**
 * `selrec keys encrypt-existing`'s work: seals every plain recording at rest (made before
 * encryption was on) under a fresh data key, wherever its file is (spool or a reachable
 * archive target), never leaving a recording with neither a plain nor a sealed copy.
 *
 * Per recording: (1) the plain file is read and checked against the stored SHA-256 (a
 * file that fails is left alone and reported); (2) the step is journaled in `seal_jobs`;
 * (3) the sealed file is written beside it as `<name>.sealed.<ext>` (temp name, fsync,
 * rename, directory fsync); (4) it is opened again, every chunk authenticated, and its
 * plaintext's SHA-256 compared with the stored one; (5) one transaction points the row at
 * the sealed file (path, sealed, KEK, digest and size of the sealed bytes); (6) the plain
 * file is removed and the directory fsynced; (7) the journal row goes. A run after a
 * crash finishes each journaled step first: switched rows lose their plain file, others
 * lose the sealed one (and are converted again), so exactly one copy is left either way.
 * Each recording is converted holding its claim (src/archive/recording_claim.ts), which
 * the archive loop takes around its copy too, and its row is read again under it.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { createHash } from "node:crypto";
import type { Db } from "../store/db.ts";
import type { Keyring } from "../seal/keyring.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { writeSealedFile } from "../seal/sealed_writer.ts";
import { resolveInside } from "../archive/resolve_file.ts";
import { newClaimer, withClaim } from "../archive/recording_claim.ts";
import { locationById } from "../store/queries/storage.ts";
import {
  archiveJobOpen,
  deleteSealJob,
  type FileAt,
  fileOf,
  insertSealJob,
  recordingsToSeal,
  sealJobs,
  switchToSealed,
} from "../store/queries/key_jobs.ts";
import type { SealJobTable } from "../store/schema/keys.ts";
import {
  hashFile,
  removeIfThere,
  sealedPlaintextSha256,
  type StepPause,
  syncDir,
} from "./key_files.ts";

/** One recording that was not converted, and why. */
export interface SealItem {
  id: string;
  outcome: "skipped" | "missing" | "failed";
  detail: string;
}

/** What a run did. */
export interface SealResult {
  keyId: string;
  total: number;
  sealed: number;
  /** Journaled steps a crash had left, finished or undone. */
  resumed: number;
  skipped: number;
  missing: number;
  failed: number;
  items: SealItem[];
}

/** Options of {@link runEncryptExisting}. */
export interface SealOptions {
  /** Largest plaintext per chunk (`encryption.chunkBytes`). */
  chunkBytes: number;
  onProgress?: (p: { done: number; total: number; id: string }) => void;
  hook?: StepPause | null;
  now?: () => Date;
}

/** The name the sealed file gets beside plain `rel`: `d/x.ogg` → `d/x.sealed.ogg`. */
export function sealedNameOf(rel: string): string {
  const dot = rel.lastIndexOf(".");
  return dot > rel.lastIndexOf("/")
    ? `${rel.slice(0, dot)}.sealed${rel.slice(dot)}`
    : `${rel}.sealed`;
}

/** Converts every plain recording at rest; see the module doc. */
export async function runEncryptExisting(
  db: Db,
  keyring: Keyring,
  opts: SealOptions,
): Promise<SealResult> {
  const r: SealResult = {
    keyId: keyring.currentKeyId,
    total: 0,
    sealed: 0,
    resumed: 0,
    skipped: 0,
    missing: 0,
    failed: 0,
    items: [],
  };
  // Each recording under its claim, against the archive loop (recording_claim.ts).
  const claimer = newClaimer("keys encrypt-existing");
  const busy = (id: string) => (holder: string): SealItem => ({
    id,
    outcome: "skipped",
    detail: `${holder} holds it`,
  });
  for (const job of await sealJobs(db)) {
    const id = job.recording_id;
    const item = await withClaim(db, claimer, id, () => resumeJob(db, job), busy(id));
    if (item) {
      r[item.outcome]++;
      r.items.push(item);
    } else r.resumed++;
  }
  const todo = await recordingsToSeal(db);
  r.total = todo.length;
  let done = 0;
  for (const listed of todo) {
    const id = listed.recording.id;
    const item = await withClaim(db, claimer, id, async () => {
      const f = await fileOf(db, id); // again, under the claim
      if (!f || f.recording.sealed !== 0 || f.recording.state !== listed.recording.state) {
        return {
          id,
          outcome: "skipped",
          detail: "the recording changed since the run began",
        } as const;
      }
      return await sealOne(db, keyring, f, opts);
    }, busy(id));
    if (item) {
      r[item.outcome]++;
      r.items.push(item);
    } else r.sealed++;
    opts.onProgress?.({ done: ++done, total: r.total, id });
  }
  return r;
}

async function sealOne(
  db: Db,
  keyring: Keyring,
  f: FileAt,
  opts: SealOptions,
): Promise<SealItem | null> {
  const { recording: rec, location: loc } = f;
  const id = rec.id;
  if (loc.kind === "archive" && loc.healthy !== 1) {
    return { id, outcome: "skipped", detail: `archive target ${loc.name} is unavailable` };
  }
  if (await archiveJobOpen(db, id)) {
    return { id, outcome: "skipped", detail: "an archive copy is in flight" };
  }
  const plain = await resolveInside(loc.path, rec.path);
  if (!plain) return { id, outcome: "missing", detail: `${loc.path}/${rec.path} is not there` };
  const sealedRel = sealedNameOf(rec.path);
  const sealed = join(dirname(plain), basename(sealedRel));
  let switched = false;
  try {
    const plaintext = await Deno.readFile(plain);
    const digest = createHash("sha256").update(plaintext).digest("hex");
    if (digest !== rec.sha256) {
      throw new IntegrityError(plain, `SHA-256 is ${digest}, expected ${rec.sha256}`);
    }
    await insertSealJob(db, {
      recording_id: id,
      location_id: loc.id,
      plain_path: rec.path,
      sealed_path: sealedRel,
      created_at: (opts.now?.() ?? new Date()).toISOString(),
    });
    await opts.hook?.at("journaled");
    const key = await keyring.newDataKey();
    await writeSealedFile(sealed, key, plaintext, opts.chunkBytes);
    await opts.hook?.at("written");
    const back = await sealedPlaintextSha256(sealed, keyring.unwrapFor(sealed));
    if (back !== rec.sha256) {
      throw new IntegrityError(sealed, "the sealed copy does not decrypt to the stored SHA-256");
    }
    const { sha256, size } = await hashFile(sealed);
    switched = await switchToSealed(db, {
      id,
      locationId: loc.id,
      plainPath: rec.path,
      sealedPath: sealedRel,
      keyId: key.keyId,
      sha256,
      bytes: size,
    });
    await opts.hook?.at("switched");
    if (!switched) {
      await undo(db, id, sealed);
      return { id, outcome: "skipped", detail: "the recording moved or an archive copy started" };
    }
    await removeIfThere(plain);
    await syncDir(dirname(plain));
    await opts.hook?.at("removed");
    await deleteSealJob(db, id);
    return null;
  } catch (err) {
    // Before the switch the plain file is the copy: the sealed one goes. After it, the
    // sealed file is the copy and the journal row stays, so the next run removes the plain.
    if (!switched) await undo(db, id, sealed).catch(() => {});
    const detail = err instanceof IntegrityError ? err.message : `${sealed}: ${err}`;
    return { id, outcome: "failed", detail };
  }
}

/** Removes a sealed copy that was never switched to, and its journal row. */
async function undo(db: Db, id: string, sealed: string): Promise<void> {
  await removeIfThere(`${sealed}.tmp`);
  await removeIfThere(sealed);
  await syncDir(dirname(sealed));
  await deleteSealJob(db, id);
}

/**
 * Finishes a journaled conversion: a row already switched loses its plain file; any other
 * loses the sealed copy (and is converted again by this run). Null when done.
 */
async function resumeJob(db: Db, job: SealJobTable): Promise<SealItem | null> {
  const id = job.recording_id;
  const loc = await locationById(db, job.location_id);
  if (!loc) {
    await deleteSealJob(db, id);
    return null;
  }
  if (loc.kind === "archive" && loc.healthy !== 1) {
    return { id, outcome: "skipped", detail: `archive target ${loc.name} is unavailable` };
  }
  const f = await fileOf(db, id);
  const plain = join(loc.path, job.plain_path);
  const sealed = join(loc.path, job.sealed_path);
  const switched = f !== undefined && f.location.id === job.location_id &&
    f.recording.path === job.sealed_path && f.recording.sealed === 1;
  if (switched) {
    await removeIfThere(`${sealed}.tmp`);
    await removeIfThere(plain);
    await syncDir(dirname(plain));
    await deleteSealJob(db, id);
  } else await undo(db, id, sealed);
  return null;
}
