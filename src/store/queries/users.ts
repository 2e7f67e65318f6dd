/** User queries: plain functions over the Kysely handle. */
import type { Db } from "../db.ts";
import type { User } from "../schema/users.ts";

/** Fields for a new user; the password is already hashed. */
export interface NewUser {
  username: string;
  passwordHash: string;
  role: string;
  displayName?: string | null;
  orgUnitId?: number | null;
  agentId?: string | null;
  partitions?: string[];
  mustChangePassword?: boolean;
}

/** A user as listed by the CLI and admin page (no hash). */
export interface UserSummary {
  id: number;
  username: string;
  displayName: string | null;
  role: string;
  orgUnitId: number | null;
  agentId: string | null;
  disabled: boolean;
  partitions: string[];
  createdAt: string;
}

/**
 * Runs `fn` inside `db` when it is a transaction already (so a caller can commit an audit
 * entry with the change), else in a new one.
 */
async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? await fn(db) : await db.transaction().execute(fn);
}

/** Raised for a username that already exists or a role that does not. */
export class UserError extends Error {
  override name = "UserError";
}

/** Inserts a user and its partitions in one transaction; returns the new id. */
export async function addUser(db: Db, user: NewUser, now = new Date()): Promise<number> {
  const ts = now.toISOString();
  return await inTransaction(db, async (tx) => {
    const role = await tx.selectFrom("roles").select("name").where("name", "=", user.role)
      .executeTakeFirst();
    if (!role) {
      throw new UserError(`Cannot add user "${user.username}": role "${user.role}" does not exist`);
    }
    const existing = await tx.selectFrom("users").select("id").where("username", "=", user.username)
      .executeTakeFirst();
    if (existing) throw new UserError(`Cannot add user "${user.username}": username is taken`);
    const { id } = await tx.insertInto("users").values({
      username: user.username,
      display_name: user.displayName ?? null,
      password_hash: user.passwordHash,
      role: user.role,
      org_unit_id: user.orgUnitId ?? null,
      agent_id: user.agentId ?? null,
      disabled: 0,
      failed_logins: 0,
      locked_until: null,
      must_change_password: user.mustChangePassword ? 1 : 0,
      created_at: ts,
      updated_at: ts,
    }).returning("id").executeTakeFirstOrThrow();
    for (const partition of new Set(user.partitions ?? [])) {
      await tx.insertInto("user_partitions").values({ user_id: id, partition }).execute();
    }
    return id;
  });
}

/** Finds a user by name (case-insensitive). */
export async function findUser(db: Db, username: string): Promise<User | undefined> {
  return await db.selectFrom("users").selectAll().where("username", "=", username)
    .executeTakeFirst();
}

/** Lists users with their partitions, ordered by name. */
export async function listUsers(db: Db): Promise<UserSummary[]> {
  const users = await db.selectFrom("users").selectAll().orderBy("username").execute();
  const parts = await db.selectFrom("user_partitions").selectAll().execute();
  return users.map((u) => ({
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    orgUnitId: u.org_unit_id,
    agentId: u.agent_id,
    disabled: u.disabled === 1,
    partitions: parts.filter((p) => p.user_id === u.id).map((p) => p.partition).sort(),
    createdAt: u.created_at,
  }));
}

/** Sets a new password hash and clears lockout; false when the user does not exist. */
export async function setPasswordHash(
  db: Db,
  username: string,
  passwordHash: string,
  now = new Date(),
): Promise<boolean> {
  const r = await db.updateTable("users").set({
    password_hash: passwordHash,
    failed_logins: 0,
    locked_until: null,
    must_change_password: 0,
    updated_at: now.toISOString(),
  }).where("username", "=", username).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Disables (or re-enables) a user and ends their sessions; false when not found. */
export async function setUserDisabled(
  db: Db,
  username: string,
  disabled: boolean,
  now = new Date(),
): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    const user = await tx.selectFrom("users").select("id").where("username", "=", username)
      .executeTakeFirst();
    if (!user) return false;
    await tx.updateTable("users").set({ disabled: disabled ? 1 : 0, updated_at: now.toISOString() })
      .where("id", "=", user.id).execute();
    if (disabled) await tx.deleteFrom("sessions").where("user_id", "=", user.id).execute();
    return true;
  });
}

/** Number of users; zero means first start. */
export async function countUsers(db: Db): Promise<number> {
  const r = await db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Finds a user by id. */
export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  return await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** True when the user must change their password before using the UI. */
export async function mustChangePassword(db: Db, userId: number): Promise<boolean> {
  const row = await db.selectFrom("users").select("must_change_password")
    .where("id", "=", userId).executeTakeFirst();
  return row?.must_change_password === 1;
}

/** A user's partitions, sorted. */
export async function listUserPartitions(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom("user_partitions").select("partition")
    .where("user_id", "=", userId).execute();
  return rows.map((r) => r.partition).sort();
}

/** Replaces a user's partitions (run it in the caller's transaction). */
export async function setUserPartitions(
  db: Db,
  userId: number,
  partitions: readonly string[],
): Promise<void> {
  await db.deleteFrom("user_partitions").where("user_id", "=", userId).execute();
  for (const partition of partitions) {
    await db.insertInto("user_partitions").values({ user_id: userId, partition }).execute();
  }
}

/** Sets a user's role, org unit and agent id; false when the user does not exist. */
export async function updateUserPlacement(
  db: Db,
  id: number,
  placement: { role: string; orgUnitId: number | null; agentId: string | null },
  now: string,
): Promise<boolean> {
  const r = await db.updateTable("users").set({
    role: placement.role,
    org_unit_id: placement.orgUnitId,
    agent_id: placement.agentId,
    updated_at: now,
  }).where("id", "=", id).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * Disables (or re-enables) a user by id and, on disable, ends their sessions; false when
 * not found. Runs in the caller's transaction when `db` is one.
 */
export async function setUserDisabledById(
  db: Db,
  id: number,
  disabled: boolean,
): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    const r = await tx.updateTable("users").set({ disabled: disabled ? 1 : 0 })
      .where("id", "=", id).executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return false;
    if (disabled) await tx.deleteFrom("sessions").where("user_id", "=", id).execute();
    return true;
  });
}

/**
 * An administrator's password reset: new hash, lockout cleared, change required at next
 * sign-in, sessions ended; false when not found. Runs in the caller's transaction when
 * `db` is one.
 */
export async function resetUserPassword(
  db: Db,
  id: number,
  passwordHash: string,
): Promise<boolean> {
  return await inTransaction(db, async (tx) => {
    const r = await tx.updateTable("users").set({
      password_hash: passwordHash,
      failed_logins: 0,
      locked_until: null,
      must_change_password: 1,
    }).where("id", "=", id).executeTakeFirst();
    if (r.numUpdatedRows !== 1n) return false;
    await tx.deleteFrom("sessions").where("user_id", "=", id).execute();
    return true;
  });
}

/** A user's own password change: new hash, no change required any more. */
export async function changeOwnPassword(
  db: Db,
  id: number,
  passwordHash: string,
  now: string,
): Promise<void> {
  await db.updateTable("users").set({
    password_hash: passwordHash,
    must_change_password: 0,
    updated_at: now,
  }).where("id", "=", id).execute();
}
