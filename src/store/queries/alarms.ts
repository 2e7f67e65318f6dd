/**
 * Alarms in the `alarms` table: at most one open alarm per kind. Raising an open kind
 * updates its message and severity; clearing stamps `cleared_at`.
 */
import type { Db } from "../db.ts";
import type { Alarm, AlarmTable } from "../schema/storage.ts";

/**
 * Raises (or refreshes) the alarm `kind`; returns true when it was not already open.
 * With `keepOpen`, an open alarm stays as it is (its first message wins).
 */
export async function raiseAlarm(
  db: Db,
  kind: string,
  severity: AlarmTable["severity"],
  message: string,
  now: Date,
  options: { keepOpen?: boolean } = {},
): Promise<boolean> {
  const open = await db.selectFrom("alarms").select("id").where("kind", "=", kind)
    .where("cleared_at", "is", null).executeTakeFirst();
  if (open) {
    if (options.keepOpen) return false;
    await db.updateTable("alarms").set({ severity, message }).where("id", "=", open.id).execute();
    return false;
  }
  await db.insertInto("alarms").values({
    kind,
    severity,
    message,
    raised_at: now.toISOString(),
    cleared_at: null,
  }).execute();
  return true;
}

/** Clears the open alarm `kind`; returns true when one was open. */
export async function clearAlarm(db: Db, kind: string, now: Date): Promise<boolean> {
  const r = await db.updateTable("alarms").set({ cleared_at: now.toISOString() })
    .where("kind", "=", kind).where("cleared_at", "is", null).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Open alarms whose kind starts with `prefix`, oldest first. */
export async function openAlarms(db: Db, prefix = ""): Promise<Alarm[]> {
  return await db.selectFrom("alarms").selectAll().where("cleared_at", "is", null)
    .where("kind", "like", `${prefix.replace(/[%_]/g, "")}%`).orderBy("id").execute();
}
