/**
 * Storage locations as the archive sees them: the spool row, configured targets synced
 * into `storage_locations`, target health with its alarm, and the small settings the
 * storage loop persists (last wall clock seen, purge suspension, last good archive).
 */
import type { Config } from "../config.ts";
import type { Db } from "../store/db.ts";
import type { StorageLocation } from "../store/schema/storage.ts";
import type { TargetSpec } from "./mount_guard.ts";
import { clearAlarm, raiseAlarm } from "./alarms.ts";

/** Settings keys owned by the storage lifecycle. */
export const SETTING = {
  clockLastSeen: "storage.clock.last_seen",
  clockSuspended: "storage.clock.suspended",
  lastArchiveAt: "storage.archive.last_ok_at",
} as const;

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

/**
 * Creates or updates a `storage_locations` row per configured target (config order) and
 * returns them. A changed path or mount spec keeps the row but drops its volume ID, so the
 * new place must be initialised before anything is written there.
 */
export async function syncTargets(db: Db, config: Config): Promise<StorageLocation[]> {
  const out: StorageLocation[] = [];
  for (const t of config.storage.targets) {
    const source = t.mount.source ?? null;
    const row = await db.selectFrom("storage_locations").selectAll().where("name", "=", t.name)
      .executeTakeFirst();
    if (!row) {
      out.push(
        await db.insertInto("storage_locations").values({
          name: t.name,
          kind: "archive",
          path: t.path,
          mount_type: t.mount.type,
          mount_source: source,
          volume_id: null,
          healthy: 1,
          last_check_at: null,
          last_error: null,
        }).returningAll().executeTakeFirstOrThrow(),
      );
      continue;
    }
    if (row.kind !== "archive") {
      throw new RangeError(`Archive target name "${t.name}" is taken by the spool`);
    }
    if (row.path !== t.path || row.mount_type !== t.mount.type || row.mount_source !== source) {
      const moved = row.path !== t.path || row.mount_source !== source;
      const set = {
        path: t.path,
        mount_type: t.mount.type,
        mount_source: source,
        volume_id: moved ? null : row.volume_id,
      };
      await db.updateTable("storage_locations").set(set).where("id", "=", row.id).execute();
      out.push({ ...row, ...set });
    } else out.push(row);
  }
  return out;
}

/** The guard's view of a target row. */
export function specOf(row: StorageLocation): TargetSpec {
  return {
    name: row.name,
    path: row.path,
    type: row.mount_type ?? "local",
    source: row.mount_source,
    volumeId: row.volume_id,
  };
}

/** Alarm kind for a target's health. */
export const targetAlarm = (name: string) => `archive.target:${name}`;

/** Records a target's health; an unhealthy target raises its alarm, a healthy one clears it. */
export async function markTarget(
  db: Db,
  row: StorageLocation,
  error: string | null,
  now: Date,
): Promise<void> {
  await db.updateTable("storage_locations").set({
    healthy: error === null ? 1 : 0,
    last_check_at: now.toISOString(),
    last_error: error,
  }).where("id", "=", row.id).execute();
  row.healthy = error === null ? 1 : 0;
  row.last_error = error;
  row.last_check_at = now.toISOString();
  if (error === null) await clearAlarm(db, targetAlarm(row.name), now);
  else {
    await raiseAlarm(
      db,
      targetAlarm(row.name),
      "critical",
      `archive target ${row.name} is unavailable: ${error}`,
      now,
    );
  }
}
