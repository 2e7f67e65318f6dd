/** TOTP second factors and recovery codes (tables user_mfa, mfa_recovery_codes). */
import type { Db } from "../db.ts";
import type { UserMfa } from "../schema/users.ts";

async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? await fn(db) : await db.transaction().execute(fn);
}

/** A user's TOTP row (pending or confirmed), if any. */
export async function findMfa(db: Db, userId: number): Promise<UserMfa | undefined> {
  return await db.selectFrom("user_mfa").selectAll().where("user_id", "=", userId)
    .executeTakeFirst();
}

/** True when the user has a confirmed second factor. */
export async function hasConfirmedMfa(db: Db, userId: number): Promise<boolean> {
  const row = await findMfa(db, userId);
  return row?.confirmed_at != null;
}

/** Ids of users with a confirmed second factor (admin list). */
export async function usersWithMfa(db: Db): Promise<Set<number>> {
  const rows = await db.selectFrom("user_mfa").select("user_id")
    .where("confirmed_at", "is not", null).execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * Starts (or restarts) enrolment with a new secret; refused (false) when a confirmed
 * factor exists, which only an admin reset removes.
 */
export async function startMfaEnrolment(
  db: Db,
  userId: number,
  secret: string,
  now: string,
): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    const row = await findMfa(tx, userId);
    if (row?.confirmed_at != null) return false;
    await tx.deleteFrom("user_mfa").where("user_id", "=", userId).execute();
    await tx.insertInto("user_mfa").values({
      user_id: userId,
      secret,
      created_at: now,
      confirmed_at: null,
      last_step: 0,
    }).execute();
    return true;
  });
}

/**
 * Confirms a pending enrolment whose code matched time step `step`, replacing the
 * recovery codes with `codeHashes`; false when nothing was pending.
 */
export async function confirmMfa(
  db: Db,
  userId: number,
  step: number,
  codeHashes: readonly string[],
  now: string,
): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    const r = await tx.updateTable("user_mfa").set({ confirmed_at: now, last_step: step })
      .where("user_id", "=", userId).where("confirmed_at", "is", null).executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return false;
    await tx.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).execute();
    for (const code_hash of codeHashes) {
      await tx.insertInto("mfa_recovery_codes").values({
        user_id: userId,
        code_hash,
        used_at: null,
      })
        .execute();
    }
    return true;
  });
}

/**
 * Accepts TOTP time step `step` for a confirmed factor only if it is later than the last
 * accepted one, in one statement: a code (and any earlier one) is accepted once, even by
 * parallel requests.
 */
export async function acceptTotpStep(db: Db, userId: number, step: number): Promise<boolean> {
  const r = await db.updateTable("user_mfa").set({ last_step: step })
    .where("user_id", "=", userId).where("confirmed_at", "is not", null)
    .where("last_step", "<", step).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Marks an unused recovery code used, in one statement; false when unknown or used. */
export async function useRecoveryCode(
  db: Db,
  userId: number,
  codeHash: string,
  now: string,
): Promise<boolean> {
  const r = await db.updateTable("mfa_recovery_codes").set({ used_at: now })
    .where("user_id", "=", userId).where("code_hash", "=", codeHash)
    .where("used_at", "is", null).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Recovery codes not used yet. */
export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const r = await db.selectFrom("mfa_recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId).where("used_at", "is", null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Removes a user's factor and recovery codes (admin reset); true when one existed. */
export async function deleteMfa(db: Db, userId: number): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    await tx.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).execute();
    const r = await tx.deleteFrom("user_mfa").where("user_id", "=", userId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  });
}
