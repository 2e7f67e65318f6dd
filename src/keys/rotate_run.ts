/**
 * `selrec keys rotate`'s work: re-wraps the data key of every sealed recording under the
 * target KEK without touching its audio. The data key sits wrapped in the file's 104-byte
 * key slot (src/seal/sealed_format.ts), which no chunk authenticates, so rotation rewrites
 * only that slot, in place, inside the file's first sector.
 *
 * Crash safety, per recording: (1) the whole file is verified under its current KEK (a
 * file that fails is left alone and reported); (2) the old and new slot are journaled in
 * `key_rewrap_jobs` (committed, synchronous=FULL); (3) the new slot is written and
 * fsynced; (4) one transaction points the row at the new KEK with the file's new SHA-256
 * and drops the journal row. A run after a crash first finishes every journaled step:
 * whatever the slot holds then (old, new, or torn by a power cut mid-write), the journaled
 * new slot is written again, so no data key is ever lost. What is left to do is derived
 * from `recordings.key_id`: every sealed recording at rest not under the target.
 *
 * Each recording is converted holding its claim (src/archive/recording_claim.ts), which
 * the archive loop takes around its copy too, and its row is read again under it.
 *
 * Skipped and left for a later run: recordings on an unavailable archive target, with an
 * archive copy in flight or claimed by the archive loop, or still being recorded (their key id stays, so `keys status`
 * counts them and `keys retire` refuses the old KEK).
 *
 * @module
 */
import type { Db } from "../store/db.ts";
import type { Keyring } from "../seal/keyring.ts";
import { encodeKeySlot, parseHeader } from "../seal/sealed_format.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { resolveInside } from "../archive/resolve_file.ts";
import { newClaimer, withClaim } from "../archive/recording_claim.ts";
import {
  archiveJobOpen,
  deleteRewrapJob,
  type FileAt,
  fileOf,
  insertRewrapJob,
  recordingsToRewrap,
  rewrapJobs,
  switchRewrapped,
} from "../store/queries/key_jobs.ts";
import type { KeyRewrapJobTable } from "../store/schema/keys.ts";
import {
  hashFile,
  hashWithSlot,
  readHead,
  sameBytes,
  slotOf,
  type StepPause,
  verifySealed,
  writeSlot,
} from "./key_files.ts";

/** One recording that was not re-wrapped, and why. */
export interface RotateItem {
  id: string;
  outcome: "skipped" | "missing" | "failed";
  detail: string;
}

/** What a rotation run did. */
export interface RotateResult {
  keyId: string;
  /** Recordings that needed it when the run started (resumed steps included). */
  total: number;
  rewrapped: number;
  /** Journaled steps a crash had left, finished. */
  resumed: number;
  skipped: number;
  missing: number;
  failed: number;
  /** True when no sealed recording at rest is left under another KEK. */
  complete: boolean;
  items: RotateItem[];
}

/** Options of {@link runRotate}. */
export interface RotateOptions {
  /** The KEK every data key ends up wrapped under. */
  keyId: string;
  onProgress?: (p: { done: number; total: number; id: string }) => void;
  hook?: StepPause | null;
  now?: () => Date;
}

type Step = { ok: true } | RotateItem;

/** Runs rotation to `opts.keyId`; see the module doc. */
export async function runRotate(
  db: Db,
  keyring: Keyring,
  opts: RotateOptions,
): Promise<RotateResult> {
  const now = opts.now ?? (() => new Date());
  await keyring.kek(opts.keyId); // refuses the run before any file if the target is missing
  const jobs = await rewrapJobs(db);
  const todo = (await recordingsToRewrap(db, opts.keyId))
    .filter((f) => !jobs.some((j) => j.recording_id === f.recording.id));
  const r: RotateResult = {
    keyId: opts.keyId,
    total: jobs.length + todo.length,
    rewrapped: 0,
    resumed: 0,
    skipped: 0,
    missing: 0,
    failed: 0,
    complete: false,
    items: [],
  };
  let done = 0;
  const tally = (id: string, s: Step, resumed: boolean) => {
    if ("outcome" in s) {
      r[s.outcome]++;
      r.items.push(s);
    } else if (resumed) r.resumed++;
    else r.rewrapped++;
    opts.onProgress?.({ done: ++done, total: r.total, id });
  };
  // Each recording under its claim, against the archive loop (recording_claim.ts).
  const claimer = newClaimer("keys rotate");
  const busy = (id: string) => (holder: string): Step => ({
    id,
    outcome: "skipped",
    detail: `${holder} holds it`,
  });
  for (const job of jobs) {
    const id = job.recording_id;
    tally(
      id,
      await withClaim(db, claimer, id, () => resumeJob(db, keyring, job, opts), busy(id)),
      true,
    );
  }
  for (const listed of todo) {
    const id = listed.recording.id;
    const step = await withClaim(db, claimer, id, async () => {
      const f = await fileOf(db, id); // again, under the claim
      if (!f || f.recording.sealed !== 1 || f.recording.state !== listed.recording.state) {
        return {
          id,
          outcome: "skipped",
          detail: "the recording changed since the run began",
        } as const;
      }
      return await rewrapOne(db, keyring, f, opts, now);
    }, busy(id));
    tally(id, step, false);
  }
  r.complete = (await recordingsToRewrap(db, opts.keyId)).length === 0;
  return r;
}

function problem(id: string, err: unknown): RotateItem {
  if (err instanceof IntegrityError) return { id, outcome: "failed", detail: err.message };
  if (err instanceof Deno.errors.NotFound) {
    return { id, outcome: "missing", detail: "the file is not there" };
  }
  return { id, outcome: "failed", detail: (err as Error).message ?? String(err) };
}

async function locate(db: Db, f: FileAt): Promise<string | RotateItem> {
  const { recording: rec, location: loc } = f;
  if (loc.kind === "archive" && loc.healthy !== 1) {
    return { id: rec.id, outcome: "skipped", detail: `archive target ${loc.name} is unavailable` };
  }
  if (await archiveJobOpen(db, rec.id)) {
    return { id: rec.id, outcome: "skipped", detail: "an archive copy is in flight" };
  }
  const path = await resolveInside(loc.path, rec.path);
  return path ?? { id: rec.id, outcome: "missing", detail: `${loc.path}/${rec.path} is not there` };
}

async function rewrapOne(
  db: Db,
  keyring: Keyring,
  f: FileAt,
  opts: RotateOptions,
  now: () => Date,
): Promise<Step> {
  const id = f.recording.id;
  const path = await locate(db, f);
  if (typeof path !== "string") return path;
  try {
    const head = await readHead(path);
    const header = parseHeader(head, path);
    // Every chunk opens under the current slot before the slot changes.
    await verifySealed(path, keyring.unwrapFor(path));
    if (header.keyId !== opts.keyId) {
      const { wrappedKey } = await keyring.rewrap(header, path, opts.keyId);
      const newSlot = encodeKeySlot({ keyId: opts.keyId, wrappedKey });
      await insertRewrapJob(db, {
        recording_id: id,
        location_id: f.location.id,
        path: f.recording.path,
        old_key_id: header.keyId,
        old_slot: slotOf(head),
        new_key_id: opts.keyId,
        new_slot: newSlot,
        created_at: now().toISOString(),
      });
      // The digest is taken before the write so the row follows the file at once.
      const sha256 = await hashWithSlot(path, newSlot);
      await opts.hook?.at("journaled");
      await writeSlot(path, newSlot);
      await opts.hook?.at("written");
      return await finish(db, id, f.location.id, f.recording.path, path, opts.keyId, sha256);
    }
    return await finish(db, id, f.location.id, f.recording.path, path, opts.keyId);
  } catch (err) {
    return problem(id, err);
  }
}

async function finish(
  db: Db,
  id: string,
  locationId: number,
  rel: string,
  path: string,
  keyId: string,
  digest?: string,
): Promise<Step> {
  const sha256 = digest ?? (await hashFile(path)).sha256;
  const switched = await switchRewrapped(db, { id, locationId, path: rel, keyId, sha256 });
  return switched
    ? { ok: true }
    : { id, outcome: "skipped", detail: "the recording moved or an archive copy started" };
}

/** Finishes a journaled step: writes the new slot unless it is there, then switches. */
async function resumeJob(
  db: Db,
  keyring: Keyring,
  job: KeyRewrapJobTable,
  opts: RotateOptions,
): Promise<Step> {
  const id = job.recording_id;
  const f = await fileOf(db, id);
  if (!f || f.location.id !== job.location_id || f.recording.path !== job.path) {
    await deleteRewrapJob(db, id);
    return { id, outcome: "skipped", detail: "the recording moved since; a later run sees it" };
  }
  const path = await resolveInside(f.location.path, job.path);
  if (!path) {
    return { id, outcome: "missing", detail: `${f.location.path}/${job.path} is not there` };
  }
  try {
    const slot = slotOf(await readHead(path));
    if (!sameBytes(slot, job.new_slot)) await writeSlot(path, job.new_slot);
    await opts.hook?.at("written");
    await verifySealed(path, keyring.unwrapFor(path));
    return await finish(db, id, job.location_id, job.path, path, job.new_key_id);
  } catch (err) {
    return problem(id, err);
  }
}
