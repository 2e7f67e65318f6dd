/**
 * Queries of the key-management commands (src/keys): which sealed recordings still need
 * another KEK (rotation), which plain ones are left to seal (encrypt-existing), the
 * journals of both (migration 0023), and each command's one switching transaction.
 */
import type { Db } from "../db.ts";
import type { Recording } from "../schema/recordings.ts";
import type { StorageLocation } from "../schema/storage.ts";
import type { KeyRewrapJobTable, SealJobTable } from "../schema/keys.ts";

/** States whose file is final: the commands touch only these. */
const AT_REST = ["complete", "interrupted"] as const;

/** A recording at rest with the location its file is in. */
export interface FileAt {
  recording: Recording;
  location: StorageLocation;
}

async function withLocations(db: Db, rows: Recording[]): Promise<FileAt[]> {
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

/** Sealed recordings at rest whose data key is wrapped under another KEK than `keyId`. */
export async function recordingsToRewrap(db: Db, keyId: string): Promise<FileAt[]> {
  const rows = await db.selectFrom("recordings").selectAll()
    .where("sealed", "=", 1).where("state", "in", [...AT_REST])
    .where((eb) => eb.or([eb("key_id", "is", null), eb("key_id", "!=", keyId)]))
    .orderBy("id").execute();
  return await withLocations(db, rows);
}

/** Plain recordings at rest with a stored digest (the ones encrypt-existing converts). */
export async function recordingsToSeal(db: Db): Promise<FileAt[]> {
  const rows = await db.selectFrom("recordings").selectAll()
    .where("sealed", "=", 0).where("state", "in", [...AT_REST])
    .where("sha256", "is not", null).orderBy("id").execute();
  return await withLocations(db, rows);
}

/** Plain recordings not at rest yet or without a digest (left for a later run). */
export async function countPlainNotAtRest(db: Db): Promise<number> {
  const r = await db.selectFrom("recordings").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("sealed", "=", 0).where("state", "not in", ["deleted", "purged", "missing"])
    .where((eb) => eb.or([eb("state", "not in", [...AT_REST]), eb("sha256", "is", null)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The recording (any state) with its location; undefined when gone. */
export async function fileOf(db: Db, id: string): Promise<FileAt | undefined> {
  const rec = await db.selectFrom("recordings").selectAll().where("id", "=", id)
    .executeTakeFirst();
  return rec ? (await withLocations(db, [rec]))[0] : undefined;
}

/** True while the archive has a copy of `id` in flight (its row may move). */
export async function archiveJobOpen(db: Db, id: string): Promise<boolean> {
  const r = await db.selectFrom("archive_jobs").select("recording_id")
    .where("recording_id", "=", id).where("step", "not in", ["done", "failed"])
    .executeTakeFirst();
  return r !== undefined;
}

/** Every rotation step in flight (a crash left them), oldest first. */
export async function rewrapJobs(db: Db): Promise<KeyRewrapJobTable[]> {
  const rows = await db.selectFrom("key_rewrap_jobs").selectAll().orderBy("created_at")
    .orderBy("recording_id").execute();
  return rows.map((r) => ({ ...r }));
}

/** The rotation step in flight for recording `id`, or undefined. */
export async function rewrapJobOf(db: Db, id: string): Promise<KeyRewrapJobTable | undefined> {
  const r = await db.selectFrom("key_rewrap_jobs").selectAll().where("recording_id", "=", id)
    .executeTakeFirst();
  return r ? { ...r } : undefined;
}

/** Recording `id`'s stored SHA-256 now (null when it has none or is gone). */
export async function recordingDigest(db: Db, id: string): Promise<string | null> {
  const r = await db.selectFrom("recordings").select("sha256").where("id", "=", id)
    .executeTakeFirst();
  return r?.sha256 ?? null;
}

/** Journals a slot rewrite before it happens. */
export async function insertRewrapJob(db: Db, job: KeyRewrapJobTable): Promise<void> {
  await db.insertInto("key_rewrap_jobs").values(job).execute();
}

/** Forgets a rotation step. */
export async function deleteRewrapJob(db: Db, recordingId: string): Promise<void> {
  await db.deleteFrom("key_rewrap_jobs").where("recording_id", "=", recordingId).execute();
}

/**
 * Rotation's switch: the row takes the KEK and digest of the rewritten file and the
 * journal row goes, in one transaction; false (nothing changed) when the row moved or an
 * archive copy started meanwhile. The journal row then stays: it is what lets reads accept
 * the file's new slot until the next run finishes the switch (or, if the recording moved,
 * drops the job).
 */
export async function switchRewrapped(
  db: Db,
  s: { id: string; locationId: number; path: string; keyId: string; sha256: string },
): Promise<boolean> {
  return await db.transaction().execute(async (tx) => {
    const r = await tx.updateTable("recordings").set({ key_id: s.keyId, sha256: s.sha256 })
      .where("id", "=", s.id).where("storage_location_id", "=", s.locationId)
      .where("path", "=", s.path).where("sealed", "=", 1)
      .where(({ not, exists, selectFrom }) =>
        not(exists(
          selectFrom("archive_jobs").select("recording_id")
            .where("archive_jobs.recording_id", "=", s.id)
            .where("archive_jobs.step", "not in", ["done", "failed"]),
        ))
      ).executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return false;
    await tx.deleteFrom("key_rewrap_jobs").where("recording_id", "=", s.id).execute();
    return true;
  });
}

/** Every conversion in flight (a crash left them). */
export async function sealJobs(db: Db): Promise<SealJobTable[]> {
  const rows = await db.selectFrom("seal_jobs").selectAll().orderBy("recording_id").execute();
  return rows.map((r) => ({ ...r }));
}

/** Journals a conversion before its sealed file is written. */
export async function insertSealJob(db: Db, job: SealJobTable): Promise<void> {
  await db.insertInto("seal_jobs").values(job).execute();
}

/** Forgets a conversion. */
export async function deleteSealJob(db: Db, recordingId: string): Promise<void> {
  await db.deleteFrom("seal_jobs").where("recording_id", "=", recordingId).execute();
}

/**
 * Encrypt-existing's switch, in one transaction: the row points at the sealed file (path,
 * sealed, KEK, digest and size of the sealed bytes) only when it still points at the
 * plain file and no archive copy is in flight; false otherwise (nothing changed).
 */
export async function switchToSealed(
  db: Db,
  s: {
    id: string;
    locationId: number;
    plainPath: string;
    sealedPath: string;
    keyId: string;
    sha256: string;
    bytes: number;
  },
): Promise<boolean> {
  return await db.transaction().execute(async (tx) => {
    const r = await tx.updateTable("recordings").set({
      path: s.sealedPath,
      sealed: 1,
      key_id: s.keyId,
      sha256: s.sha256,
      size_bytes: s.bytes,
    }).where("id", "=", s.id).where("storage_location_id", "=", s.locationId)
      .where("path", "=", s.plainPath).where("sealed", "=", 0)
      .where(({ not, exists, selectFrom }) =>
        not(exists(
          selectFrom("archive_jobs").select("recording_id")
            .where("archive_jobs.recording_id", "=", s.id)
            .where("archive_jobs.step", "not in", ["done", "failed"]),
        ))
      ).executeTakeFirst();
    return r.numUpdatedRows === 1n;
  });
}

/** Recordings per KEK id among rows that are not deleted or purged (any state, any flag). */
export async function recordingsPerKey(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom("recordings")
    .select(["key_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("key_id", "is not", null).where("state", "not in", ["deleted", "purged"])
    .groupBy("key_id").execute();
  return new Map(rows.map((r) => [r.key_id as string, Number(r.n)]));
}

/** How many live recordings are sealed and how many plain. */
export async function sealedCounts(db: Db): Promise<{ sealed: number; plain: number }> {
  const rows = await db.selectFrom("recordings")
    .select(["sealed", (eb) => eb.fn.countAll<number>().as("n")])
    .where("state", "not in", ["deleted", "purged"]).groupBy("sealed").execute();
  const of = (v: number) => Number(rows.find((r) => r.sealed === v)?.n ?? 0);
  return { sealed: of(1), plain: of(0) };
}

/** KEK ids a pending rotation step still names (old or new). */
export async function keyIdsInJobs(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom("key_rewrap_jobs").select(["old_key_id", "new_key_id"])
    .execute();
  return new Set(rows.flatMap((r) => [r.old_key_id, r.new_key_id]));
}
