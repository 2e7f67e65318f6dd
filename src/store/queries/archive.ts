/**
 * The archive and purge lifecycle of recordings: resumable copy jobs in `archive_jobs`,
 * and the `recordings` queries the storage loop runs (due, moved, tombstoned, backlog).
 */
import type { Db } from "../db.ts";
import type { Recording } from "../schema/recordings.ts";
import type { ArchiveJobTable } from "../schema/storage.ts";

/** A job's step. */
export type ArchiveStep = ArchiveJobTable["step"];

/** A job that reached step 4 (recording points at the target) before a crash. */
export interface RecordedJob {
  id: string;
  target_id: number;
  path: string;
}

/** Jobs at `recorded` whose recording already points at their target. */
export async function recordedArchiveJobs(db: Db): Promise<RecordedJob[]> {
  return await db.selectFrom("archive_jobs")
    .innerJoin("recordings", "recordings.id", "archive_jobs.recording_id")
    .select(["archive_jobs.recording_id as id", "archive_jobs.target_id", "recordings.path"])
    .where("archive_jobs.step", "=", "recorded")
    .whereRef("recordings.storage_location_id", "=", "archive_jobs.target_id").execute();
}

/** Starts (or restarts, counting the attempt) the copy job of a recording to a target. */
export async function startArchiveJob(
  db: Db,
  recordingId: string,
  targetId: number,
  now: string,
): Promise<void> {
  await db.insertInto("archive_jobs").values({
    recording_id: recordingId,
    target_id: targetId,
    step: "copying",
    temp_path: null,
    attempts: 1,
    last_error: null,
    updated_at: now,
  }).onConflict((oc) =>
    oc.columns(["recording_id", "target_id"]).doUpdateSet((eb) => ({
      step: "copying",
      attempts: eb("archive_jobs.attempts", "+", 1),
      updated_at: now,
    }))
  ).execute();
}

/** Moves a job to `step`, with its error (null clears it). */
export async function setArchiveJobStep(
  db: Db,
  recordingId: string,
  targetId: number,
  step: ArchiveStep,
  error: string | null,
  now: string,
): Promise<void> {
  await db.updateTable("archive_jobs").set({ step, last_error: error, updated_at: now })
    .where("recording_id", "=", recordingId).where("target_id", "=", targetId).execute();
}

/** Moves a job to `recorded` (step 4), leaving its last error as it is. */
export async function markArchiveJobRecorded(
  db: Db,
  recordingId: string,
  targetId: number,
  now: string,
): Promise<void> {
  await db.updateTable("archive_jobs").set({ step: "recorded", updated_at: now })
    .where("recording_id", "=", recordingId).where("target_id", "=", targetId).execute();
}

/** Remembers the temp name a copy used. */
export async function setArchiveJobTempPath(
  db: Db,
  recordingId: string,
  targetId: number,
  tempPath: string | null,
): Promise<void> {
  await db.updateTable("archive_jobs").set({ temp_path: tempPath })
    .where("recording_id", "=", recordingId).where("target_id", "=", targetId).execute();
}

/** Deletes a recording's job to one target, or to every target when `targetId` is omitted. */
export async function deleteArchiveJob(
  db: Db,
  recordingId: string,
  targetId?: number,
): Promise<void> {
  let q = db.deleteFrom("archive_jobs").where("recording_id", "=", recordingId);
  if (targetId !== undefined) q = q.where("target_id", "=", targetId);
  await q.execute();
}

/** Finished recordings on the spool with a hash, oldest first, at most `limit`. */
export async function archivableRecordings(
  db: Db,
  spoolId: number,
  limit: number,
): Promise<Recording[]> {
  return await db.selectFrom("recordings").selectAll()
    .where("storage_location_id", "=", spoolId).where("state", "in", [
      "complete",
      "interrupted",
    ]).where("sha256", "is not", null).where("sha256", "!=", "")
    .orderBy("created_at").orderBy("id").limit(limit).execute();
}

/**
 * Points a finished recording still on the spool at its archive target; false when the
 * row moved or changed state meanwhile.
 */
export async function moveRecordingToArchive(
  db: Db,
  m: { id: string; spoolId: number; targetId: number; archivedAt: string },
): Promise<boolean> {
  const r = await db.updateTable("recordings").set({
    storage_location_id: m.targetId,
    archived_at: m.archivedAt,
  })
    .where("id", "=", m.id).where("storage_location_id", "=", m.spoolId)
    .where("state", "in", ["complete", "interrupted"]).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Finished recordings without a legal hold created at or before `createdBefore`, oldest first. */
export async function purgeCandidates(db: Db, createdBefore: string): Promise<Recording[]> {
  return await db.selectFrom("recordings").selectAll()
    .where("state", "in", ["complete", "interrupted"]).where("legal_hold", "=", 0)
    .where("created_at", "<=", createdBefore)
    .orderBy("created_at").orderBy("id").execute();
}

/**
 * Turns a recording into a `purged` tombstone when it is still in `state` and not on
 * legal hold; false when the row changed.
 */
export async function tombstoneRecording(
  db: Db,
  t: { id: string; state: Recording["state"]; deletedAt: string; reason: string },
): Promise<boolean> {
  const r = await db.updateTable("recordings").set({
    state: "purged",
    deleted_at: t.deletedAt,
    delete_reason: t.reason,
  }).where("id", "=", t.id).where("state", "=", t.state).where("legal_hold", "=", 0)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Tombstones deleted since `since`: on any location, or on the spool only. */
export async function purgedSince(
  db: Db,
  since: string,
  anyLocation: boolean,
): Promise<Pick<Recording, "id" | "path" | "storage_location_id">[]> {
  return await db.selectFrom("recordings")
    .innerJoin("storage_locations", "storage_locations.id", "recordings.storage_location_id")
    .select(["recordings.id", "recordings.path", "recordings.storage_location_id"])
    .where("recordings.state", "=", "purged")
    .where("recordings.deleted_at", ">=", since)
    .where((eb) => anyLocation ? eb.lit(true) : eb("storage_locations.kind", "=", "spool"))
    .execute();
}

/** Bytes of a location's live and in-progress recordings. */
export async function liveBytesAt(db: Db, locationId: number): Promise<number> {
  const r = await db.selectFrom("recordings").select((eb) =>
    eb.fn.sum<number>("size_bytes").as("n")
  )
    .where("storage_location_id", "=", locationId)
    .where("state", "in", ["recording", "complete", "interrupted"]).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Count and bytes of a location's finished recordings. */
export async function finishedAt(
  db: Db,
  locationId: number,
): Promise<{ count: number; bytes: number }> {
  const r = await db.selectFrom("recordings").select((eb) => [
    eb.fn.countAll<number>().as("count"),
    eb.fn.sum<number>("size_bytes").as("bytes"),
  ]).where("storage_location_id", "=", locationId)
    .where("state", "in", ["complete", "interrupted"])
    .executeTakeFirst();
  return { count: Number(r?.count ?? 0), bytes: Number(r?.bytes ?? 0) };
}
