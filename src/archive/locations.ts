/**
 * Storage locations as the archive sees them: the spool row, configured targets synced
 * into `storage_locations`, target health with its alarm, and the keys of the settings the
 * storage loop persists (last wall clock seen, purge suspension, last good archive).
 */
import type { Config } from "../config.ts";
import type { Db } from "../store/db.ts";
import type { StorageLocation } from "../store/schema/storage.ts";
import { clearAlarm, raiseAlarm } from "../store/queries/alarms.ts";
import {
  insertArchiveTarget,
  locationByName,
  setLocationHealth,
  setLocationMount,
} from "../store/queries/storage.ts";
import type { TargetSpec } from "./mount_guard.ts";

/** Settings keys owned by the storage lifecycle. */
export const SETTING = {
  clockLastSeen: "storage.clock.last_seen",
  clockSuspended: "storage.clock.suspended",
  lastArchiveAt: "storage.archive.last_ok_at",
} as const;

/**
 * Creates or updates a `storage_locations` row per configured target (config order) and
 * returns them. A changed path or mount spec keeps the row but drops its volume ID, so the
 * new place must be initialised before anything is written there.
 */
export async function syncTargets(db: Db, config: Config): Promise<StorageLocation[]> {
  const out: StorageLocation[] = [];
  for (const t of config.storage.targets) {
    const source = t.mount.source ?? null;
    const row = await locationByName(db, t.name);
    if (!row) {
      out.push(
        await insertArchiveTarget(db, {
          name: t.name,
          path: t.path,
          mountType: t.mount.type,
          mountSource: source,
        }),
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
      await setLocationMount(db, row.id, set);
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
  await setLocationHealth(db, row.id, error, now.toISOString());
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
