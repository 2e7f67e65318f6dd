/** Web session rows: the id column holds SHA-256 of the cookie token, never the token. */
import type { Db } from "../db.ts";
import type { Session } from "../schema/users.ts";

/** Inserts a session row. */
export async function insertSession(
  db: Db,
  row: {
    id: string;
    userId: number;
    csrfToken: string;
    now: string;
    ip: string | null;
    ua: string | null;
  },
): Promise<void> {
  await db.insertInto("sessions").values({
    id: row.id,
    user_id: row.userId,
    csrf_token: row.csrfToken,
    created_at: row.now,
    last_seen_at: row.now,
    ip: row.ip,
    user_agent: row.ua,
  }).execute();
}

/** Finds a session by its hashed id. */
export async function findSession(db: Db, id: string): Promise<Session | undefined> {
  return await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Records activity on a session. */
export async function touchSession(db: Db, id: string, now: string): Promise<void> {
  await db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", id).execute();
}

/** Deletes one session; true when it existed. */
export async function deleteSession(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom("sessions").where("id", "=", id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** Deletes every session of a user (password reset, disable, role change). */
export async function deleteUserSessions(db: Db, userId: number): Promise<void> {
  await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}

/** Deletes sessions idle since before `idleBefore` or created before `createdBefore`. */
export async function deleteExpiredSessions(
  db: Db,
  idleBefore: string,
  createdBefore: string,
): Promise<number> {
  const r = await db.deleteFrom("sessions").where((eb) =>
    eb.or([eb("last_seen_at", "<", idleBefore), eb("created_at", "<", createdBefore)])
  ).executeTakeFirst();
  return Number(r.numDeletedRows);
}
