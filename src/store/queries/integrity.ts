/**
 * The integrity flag of recordings (migration 0017) and what the scrubber walks: the
 * recordings whose files are at rest, in id order after a cursor.
 */
import type { Db } from "../db.ts";
import type { Recording } from "../schema/recordings.ts";
import type { StorageLocation } from "../schema/storage.ts";

/**
 * Flags `id` as failed with `detail`; returns true when the flag is new or its detail
 * changed (the caller then audits and alarms once per finding, not once per request).
 */
export async function flagIntegrityFailure(
  db: Db,
  id: string,
  detail: string,
  at: Date,
): Promise<boolean> {
  const r = await db.updateTable("recordings")
    .set({ integrity_failed_at: at.toISOString(), integrity_detail: detail })
    .where("id", "=", id)
    .where((eb) =>
      eb.or([eb("integrity_failed_at", "is", null), eb("integrity_detail", "is not", detail)])
    )
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Clears the flag of `id`; returns true when it was set. */
export async function clearIntegrityFailure(db: Db, id: string): Promise<boolean> {
  const r = await db.updateTable("recordings")
    .set({ integrity_failed_at: null, integrity_detail: null })
    .where("id", "=", id).where("integrity_failed_at", "is not", null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** How many live recordings are flagged. */
export async function countIntegrityFailures(db: Db): Promise<number> {
  const row = await db.selectFrom("recordings")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("integrity_failed_at", "is not", null)
    .where("state", "not in", ["deleted", "purged", "missing"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A recording at rest with the storage location its file is in. */
export interface ScrubItem {
  recording: Recording;
  location: StorageLocation;
}

/**
 * Up to `limit` finished recordings (complete or interrupted: their file is final) with
 * id greater than `afterId`, in id order, with their location.
 */
export async function recordingsToScrub(
  db: Db,
  afterId: string,
  limit: number,
): Promise<ScrubItem[]> {
  const rows = await db.selectFrom("recordings").selectAll("recordings")
    .where("state", "in", ["complete", "interrupted"])
    .where("id", ">", afterId)
    .orderBy("id").limit(limit).execute();
  const ids = [...new Set(rows.map((r) => r.storage_location_id))];
  const locs = ids.length === 0
    ? []
    : await db.selectFrom("storage_locations").selectAll().where("id", "in", ids).execute();
  const byId = new Map(locs.map((l) => [l.id, l]));
  return rows.flatMap((r) => {
    const location = byId.get(r.storage_location_id);
    return location ? [{ recording: r, location }] : [];
  });
}

/** How many finished recordings the scrubber walks (for its progress). */
export async function countRecordingsToScrub(db: Db): Promise<number> {
  const row = await db.selectFrom("recordings")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "in", ["complete", "interrupted"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
