/**
 * One recording at a time, outside search (recordings.ts) and the recorder's writes
 * (recording_writes.ts): lookups by id, the CLI's list and show, file locations, and the
 * compliance writes (deletion tombstone, legal hold).
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";
import type { Recording, RecordingState } from "../schema/recordings.ts";
import { latestCallDecision } from "./decisions.ts";

/** True when a recording row with this id exists (whatever its state). */
export async function recordingExists(db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom("recordings").select("id").where("id", "=", id)
    .executeTakeFirst();
  return row !== undefined;
}

/** The recording's attached metadata pairs, ordered by key then value. */
export async function listRecordingMetadata(
  db: Db,
  recordingId: string,
): Promise<{ key: string; value: string }[]> {
  return await db.selectFrom("recording_metadata").select(["key", "value"])
    .where("recording_id", "=", recordingId).orderBy("key").orderBy("value").execute();
}

/** The recording's partitions (recording_partitions rows), sorted. */
export async function listRecordingPartitions(db: Db, recordingId: string): Promise<string[]> {
  const rows = await db.selectFrom("recording_partitions").select("partition")
    .where("recording_id", "=", recordingId).orderBy("partition").execute();
  return rows.map((r) => r.partition);
}

/** The customer facts an audit entry about a recording carries, or undefined. */
export async function findRecordingCustomer(
  db: Db,
  id: string,
): Promise<{ customer_id: string | null; interaction_type: string | null } | undefined> {
  return await db.selectFrom("recordings").select(["customer_id", "interaction_type"])
    .where("id", "=", id).executeTakeFirst();
}

/** Where a recording's file is: its location's root and the path under it. */
export async function recordingFileLocation(
  db: Db,
  id: string,
): Promise<{ root: string; rel: string } | undefined> {
  return await db.selectFrom("recordings")
    .innerJoin("storage_locations", "storage_locations.id", "recordings.storage_location_id")
    .select(["recordings.path as rel", "storage_locations.path as root"])
    .where("recordings.id", "=", id).executeTakeFirst();
}

/** Ids of recordings in state `deleted` (their files may still need removing). */
export async function listDeletedRecordingIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom("recordings").select("id").where("state", "=", "deleted")
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Marks a recording deleted, only if it is not on hold and still in `fromState` (so a
 * concurrent change loses); false when nothing was updated.
 */
export async function markRecordingDeleted(
  db: Db,
  id: string,
  change: { fromState: RecordingState; at: string; reason: string },
): Promise<boolean> {
  const r = await db.updateTable("recordings").set({
    state: "deleted",
    deleted_at: change.at,
    delete_reason: change.reason,
  }).where("id", "=", id).where("legal_hold", "=", 0).where("state", "=", change.fromState)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Puts a recording on legal hold or takes it off. */
export async function setLegalHold(db: Db, id: string, on: boolean): Promise<void> {
  await db.updateTable("recordings").set({ legal_hold: on ? 1 : 0 }).where("id", "=", id)
    .execute();
}

/** A row of `recordings list`, with its partitions (rows of recording_partitions, sorted). */
export type RecentRecording =
  & Pick<
    Recording,
    | "id"
    | "state"
    | "started_at"
    | "duration_ms"
    | "agent_id"
    | "business_unit"
    | "language"
    | "rule_id"
    | "flag_interrupted"
    | "flag_no_media"
    | "flag_one_way"
    | "flag_paused"
    | "flag_foreign_media"
    | "flag_session_expired"
    | "flag_media_timeout"
  >
  & { partitions: string[] };

/** Newest recordings first (started at or after `since` when given), at most `limit`. */
export async function listRecentRecordings(
  db: Db,
  options: { since: string | null; limit: number },
): Promise<RecentRecording[]> {
  let q = db.selectFrom("recordings").select([
    "id",
    "state",
    "started_at",
    "duration_ms",
    "agent_id",
    "business_unit",
    "language",
    "rule_id",
    "flag_interrupted",
    "flag_no_media",
    "flag_one_way",
    "flag_paused",
    "flag_foreign_media",
    "flag_session_expired",
    "flag_media_timeout",
    sql<string>`(SELECT json_group_array(partition) FROM (SELECT partition
      FROM recording_partitions p WHERE p.recording_id = recordings.id ORDER BY partition))`
      .as("partitions"),
  ]).orderBy("started_at", "desc").orderBy("id", "desc").limit(options.limit);
  if (options.since) q = q.where("started_at", ">=", options.since);
  return (await q.execute()).map((r) => ({ ...r, partitions: JSON.parse(r.partitions) }));
}

/**
 * Everything `recordings show` prints: the row, its storage location, participants,
 * streams, metadata, pauses, gaps, partitions and the call's latest decision; undefined when no
 * recording has this id.
 */
export async function recordingShowData(db: Db, id: string) {
  const rec = await db.selectFrom("recordings").selectAll().where("id", "=", id)
    .executeTakeFirst();
  if (!rec) return undefined;
  const location = await db.selectFrom("storage_locations").select(["name", "path"])
    .where("id", "=", rec.storage_location_id).executeTakeFirst();
  const [participants, streams, metadata, pauses, gaps, decision, partitions] = await Promise.all([
    db.selectFrom("participants").selectAll().where("recording_id", "=", id).execute(),
    db.selectFrom("streams").selectAll().where("recording_id", "=", id).execute(),
    db.selectFrom("recording_metadata").select(["key", "value"]).where("recording_id", "=", id)
      .execute(),
    db.selectFrom("pauses").selectAll().where("recording_id", "=", id).orderBy("start_ms")
      .execute(),
    db.selectFrom("gaps").selectAll().where("recording_id", "=", id).orderBy("start_ms")
      .execute(),
    latestCallDecision(db, rec.call_id),
    listRecordingPartitions(db, id),
  ]);
  return { rec, location, participants, streams, metadata, pauses, gaps, decision, partitions };
}
