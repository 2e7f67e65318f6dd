/**
 * The account half of sign-in lockout, as single statements so parallel attempts count:
 * each attempt is reserved (counted) before its password is hashed, and the lock is set
 * from the counter the same statement reads. A read-then-write from the application
 * would let thirty parallel failures overwrite each other's count.
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";

/** The account's counter and lock after an attempt was reserved. */
export interface ReservedAttempt {
  /** Attempts counted since the last success or expired lock, this one included. */
  attempts: number;
  /** ISO time the account is locked until, or null. */
  lockedUntil: string | null;
}

/**
 * Counts one sign-in attempt of user `userId` before its password is checked. An expired
 * lock (locked_until ≤ `nowIso`) is cleared and the count starts again at 1. Returns the
 * counter and lock as this statement left them; undefined when the user does not exist.
 */
export async function reserveSignInAttempt(
  db: Db,
  userId: number,
  nowIso: string,
): Promise<ReservedAttempt | undefined> {
  const expired = sql<boolean>`locked_until IS NOT NULL AND locked_until <= ${nowIso}`;
  const row = await db.updateTable("users").set({
    failed_logins: sql`CASE WHEN ${expired} THEN 1 ELSE failed_logins + 1 END`,
    locked_until: sql`CASE WHEN ${expired} THEN NULL ELSE locked_until END`,
  }).where("id", "=", userId).returning(["failed_logins", "locked_until"])
    .executeTakeFirst();
  return row && { attempts: row.failed_logins, lockedUntil: row.locked_until };
}

/**
 * Records that a reserved attempt failed its password check: when the counter has reached
 * `threshold` and the account is not locked, it is locked until `untilIso`. The attempt
 * itself was already counted by {@link reserveSignInAttempt}. Returns the lock now in
 * force (null when none).
 */
export async function failSignInAttempt(
  db: Db,
  userId: number,
  threshold: number,
  untilIso: string,
): Promise<string | null> {
  const row = await db.updateTable("users").set({
    locked_until: sql`CASE WHEN locked_until IS NULL AND failed_logins >= ${threshold}
      THEN ${untilIso} ELSE locked_until END`,
  }).where("id", "=", userId).returning("locked_until").executeTakeFirst();
  return row?.locked_until ?? null;
}

/** A successful sign-in: clears the counter and any lock. */
export async function clearSignInAttempts(db: Db, userId: number): Promise<void> {
  await db.updateTable("users").set({ failed_logins: 0, locked_until: null })
    .where("id", "=", userId).execute();
}

/**
 * True when `username` signed in successfully from `ip` at or after `sinceIso`: such an
 * address is familiar and is let through a lock that strangers' guesses caused.
 */
export async function signedInFromSince(
  db: Db,
  username: string,
  ip: string,
  sinceIso: string,
): Promise<boolean> {
  const row = await db.selectFrom("audit_events").select("seq")
    .where("actor_name", "=", username).where("action", "=", "auth.sign_in")
    .where("outcome", "=", "ok").where("ip", "=", ip).where("ts", ">=", sinceIso).limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
