/**
 * Steps 1–5 of archiving one recording (archive_run.ts), and the finish of jobs a crash
 * left after step 4: copy through the worker, point the row at the target with its audit
 * row, then remove the spool copy.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { StorageLocation } from "../store/schema/storage.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { WatchdogTimeout, WorkerGone } from "./copy_worker.ts";
import { SETTING, specOf } from "./locations.ts";
import { atStep, SYSTEM_ACTOR } from "./host.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { reportIntegrityFailure } from "./integrity_failure.ts";
import { fileOf, recordingDigest, rewrapJobOf } from "../store/queries/key_jobs.ts";
import { withClaim } from "./recording_claim.ts";
import type { Db } from "../store/db.ts";
import { setSetting } from "../store/queries/storage.ts";
import {
  deleteArchiveJob,
  markArchiveJobRecorded,
  moveRecordingToArchive,
  recordedArchiveJobs,
  setArchiveJobTempPath,
  startArchiveJob,
} from "../store/queries/archive.ts";
import {
  type ArchiveItem,
  type Ctx,
  setJob,
  TARGET_CODES,
  TargetDown,
  watchdogAlarm,
  worker,
} from "./archive_run_ctx.ts";

/** Removes the spool copy (step 5) and fsyncs its directory; a missing file is fine. */
async function removeLocal(spool: StorageLocation, rel: string): Promise<void> {
  const file = join(spool.path, rel);
  try {
    await Deno.remove(file);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return;
  }
  using d = await Deno.open(dirname(file), { read: true });
  await d.sync();
}

/** Finishes jobs that reached step 4 before a crash: their local copies go now. */
export async function resumeRecorded(ctx: Ctx): Promise<number> {
  const db = ctx.host.store.db;
  const jobs = await recordedArchiveJobs(db);
  for (const j of jobs) {
    await removeLocal(ctx.spool, j.path);
    await deleteArchiveJob(db, j.id, j.target_id);
  }
  return jobs.length;
}

/** Step 4: the new location and its audit row, in one transaction. False if the row moved. */
async function recordLocation(ctx: Ctx, rec: Recording, t: StorageLocation): Promise<boolean> {
  const { db } = ctx.host.store;
  const now = ctx.now().toISOString();
  return await db.transaction().execute(async (tx) => {
    const move = { id: rec.id, spoolId: ctx.spool.id, targetId: t.id, archivedAt: now };
    if (!(await moveRecordingToArchive(tx, move))) return false;
    await markArchiveJobRecorded(tx, rec.id, t.id, now);
    await ctx.host.audit.append({
      actor: ctx.opts.actor ?? SYSTEM_ACTOR,
      action: "recording.archive",
      target: { type: "recording", id: rec.id },
      recordingId: rec.id,
      customerId: rec.customer_id,
      interactionType: rec.interaction_type,
      details: { target: t.name, path: rec.path, sha256: rec.sha256, bytes: rec.size_bytes },
    }, tx);
    return true;
  });
}

/**
 * The worker hashes the spool file as it copies it (one read: the copy and its check) and
 * refused it: the file no longer matches its SHA-256. Reported like any read that finds a
 * changed file: flag, audit row, integrity alarm (integrity_failure.ts).
 */
async function sourceChanged(ctx: Ctx, rec: Recording, message: string): Promise<void> {
  const { store, audit, log } = ctx.host;
  await reportIntegrityFailure(
    { db: store.db, audit, log, now: () => ctx.now().getTime() },
    rec,
    new IntegrityError(join(ctx.spool.path, rec.path), message),
    { via: "archive", actor: ctx.opts.actor ?? SYSTEM_ACTOR },
  );
}

/**
 * True when a key rotation explains a copy that did not match the row's digest: one is
 * rewriting the file's key slot, or finished and changed the row (see rewrap_window.ts);
 * the recording is archived on a later round instead of being flagged.
 */
async function rotatedMeanwhile(db: Db, rec: Recording): Promise<boolean> {
  return !!(await rewrapJobOf(db, rec.id)) || (await recordingDigest(db, rec.id)) !== rec.sha256;
}

/**
 * Steps 1–5 for one recording, holding its claim (recording_claim.ts) so a key command
 * cannot convert it meanwhile; the row is read again under the claim. Skipped while a
 * key command holds it. Throws {@link TargetDown} when the target must be dropped.
 */
export async function archiveOne(
  ctx: Ctx,
  listed: Recording,
  t: StorageLocation,
): Promise<ArchiveItem> {
  const item: ArchiveItem = {
    id: listed.id,
    bytes: listed.size_bytes ?? 0,
    target: t.name,
    outcome: "skipped",
  };
  const { db } = ctx.host.store;
  return await withClaim(db, ctx.claimer, listed.id, async () => {
    const rec = (await fileOf(db, listed.id))?.recording;
    if (
      !rec || rec.storage_location_id !== ctx.spool.id || rec.state !== listed.state ||
      !rec.sha256
    ) {
      return { ...item, error: "the recording changed since the pass began" };
    }
    return await copyOne(ctx, rec, t, { ...item, bytes: rec.size_bytes ?? 0 });
  }, (holder) => ({ ...item, error: `${holder} holds it` }));
}

async function copyOne(
  ctx: Ctx,
  rec: Recording,
  t: StorageLocation,
  skipped: ArchiveItem,
): Promise<ArchiveItem> {
  const { db } = ctx.host.store;
  const item: ArchiveItem = { ...skipped, outcome: "failed" };
  if (await rewrapJobOf(db, rec.id)) {
    return { ...item, outcome: "skipped", error: "a key rotation is rewriting its key slot" };
  }
  await startArchiveJob(db, rec.id, t.id, ctx.now().toISOString());
  let reply;
  try {
    reply = await worker(ctx).call(
      {
        op: "copy",
        spec: specOf(t),
        src: join(ctx.spool.path, rec.path),
        rel: rec.path,
        sha256: rec.sha256!,
      },
      async (step) => {
        if (step !== "copied") await setJob(ctx, rec.id, t, step);
        await atStep(ctx.opts.hook, step);
      },
    );
  } catch (err) {
    if (err instanceof WatchdogTimeout || err instanceof WorkerGone) {
      await watchdogAlarm(ctx, t, err);
      await setJob(ctx, rec.id, t, "failed", (err as Error).message);
      throw new TargetDown((err as Error).message);
    }
    throw err;
  }
  if (reply.ev === "error") {
    await setJob(ctx, rec.id, t, "failed", `${reply.code}: ${reply.message}`);
    if (TARGET_CODES.has(reply.code)) throw new TargetDown(reply.message);
    if (reply.code === "source-hash" && !(await rotatedMeanwhile(db, rec))) {
      await sourceChanged(ctx, rec, reply.message);
    }
    ctx.host.log.warn("archive copy failed", { id: rec.id, target: t.name, error: reply.message });
    return { ...item, error: reply.message };
  }
  await setArchiveJobTempPath(db, rec.id, t.id, reply.tempPath ?? null);
  if (!(await recordLocation(ctx, rec, t))) {
    await worker(ctx).call({ op: "remove", spec: specOf(t), rel: rec.path }).catch(() => {});
    await deleteArchiveJob(db, rec.id);
    return { ...item, outcome: "skipped", error: "the recording changed during the copy" };
  }
  await atStep(ctx.opts.hook, "recorded");
  await removeLocal(ctx.spool, rec.path);
  await deleteArchiveJob(db, rec.id, t.id);
  await setSetting(db, SETTING.lastArchiveAt, ctx.now().toISOString());
  return { ...item, outcome: "archived" };
}
