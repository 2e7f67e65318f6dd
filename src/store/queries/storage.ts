/**
 * Storage locations (the spool and archive targets) and the small settings the storage
 * loop persists.
 */
import type { Db } from "../db.ts";
import type { StorageLocation } from "../schema/storage.ts";

/** The columns of a location that describe where and how it is mounted. */
export type LocationMount = Pick<
  StorageLocation,
  "path" | "mount_type" | "mount_source" | "volume_id"
>;

/** Reads a setting, or null. */
export async function getSetting(db: Db, key: string): Promise<string | null> {
  const row = await db.selectFrom("settings").select("value").where("key", "=", key)
    .executeTakeFirst();
  return row?.value ?? null;
}

/** Writes (upserts) a setting; null deletes it. */
export async function setSetting(db: Db, key: string, value: string | null): Promise<void> {
  if (value === null) {
    await db.deleteFrom("settings").where("key", "=", key).execute();
    return;
  }
  await db.insertInto("settings").values({ key, value })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}

/** The spool row, or null before the recorder first ran. */
export async function spoolLocation(db: Db): Promise<StorageLocation | null> {
  return await db.selectFrom("storage_locations").selectAll().where("name", "=", "spool")
    .where("kind", "=", "spool").executeTakeFirst() ?? null;
}

/** The location with this id, or undefined. */
export async function locationById(db: Db, id: number): Promise<StorageLocation | undefined> {
  return await db.selectFrom("storage_locations").selectAll().where("id", "=", id)
    .executeTakeFirst();
}

/** The location named `name`, or undefined. */
export async function locationByName(db: Db, name: string): Promise<StorageLocation | undefined> {
  return await db.selectFrom("storage_locations").selectAll().where("name", "=", name)
    .executeTakeFirst();
}

/** The locations with these names (any order; none for an empty list). */
export async function locationsByName(db: Db, names: string[]): Promise<StorageLocation[]> {
  if (names.length === 0) return [];
  return await db.selectFrom("storage_locations").selectAll().where("name", "in", names)
    .execute();
}

/** Inserts a healthy, uninitialised archive target; returns its row. */
export async function insertArchiveTarget(
  db: Db,
  t: { name: string; path: string; mountType: string; mountSource: string | null },
): Promise<StorageLocation> {
  return await db.insertInto("storage_locations").values({
    name: t.name,
    kind: "archive",
    path: t.path,
    mount_type: t.mountType,
    mount_source: t.mountSource,
    volume_id: null,
    healthy: 1,
    last_check_at: null,
    last_error: null,
  }).returningAll().executeTakeFirstOrThrow();
}

/** Sets where and how a location is mounted. */
export async function setLocationMount(db: Db, id: number, mount: LocationMount): Promise<void> {
  await db.updateTable("storage_locations").set(mount).where("id", "=", id).execute();
}

/** Records a health check: healthy when `error` is null. */
export async function setLocationHealth(
  db: Db,
  id: number,
  error: string | null,
  checkedAt: string,
): Promise<void> {
  await db.updateTable("storage_locations").set({
    healthy: error === null ? 1 : 0,
    last_check_at: checkedAt,
    last_error: error,
  }).where("id", "=", id).execute();
}

/** Stores the volume ID written to a location's sentinel. */
export async function setLocationVolumeId(db: Db, id: number, volumeId: string): Promise<void> {
  await db.updateTable("storage_locations").set({ volume_id: volumeId }).where("id", "=", id)
    .execute();
}

/** Every location (the spool and archive targets), by id. */
export async function listLocations(db: Db): Promise<StorageLocation[]> {
  return await db.selectFrom("storage_locations").selectAll().orderBy("id").execute();
}
