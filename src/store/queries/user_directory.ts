/**
 * Directory users (users.source = 'ldap', or 'oidc' for single sign-on): created or updated at sign-in from the
 * directory's grant, confirmed or denied by live re-checks. Their `password_hash` holds
 * {@link NO_PASSWORD}, which no password verifies, so the local password is never used.
 */
import type { Db } from "../db.ts";
import type { User } from "../schema/users.ts";
import { setUserPartitions } from "./users.ts";

/** The password hash of a directory user: not a hash format, so nothing verifies. */
export const NO_PASSWORD = "!directory";

async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? await fn(db) : await db.transaction().execute(fn);
}

/** What the directory grants a user at sign-in or re-check. */
export interface DirectoryGrantRow {
  username: string;
  dn: string;
  displayName: string | null;
  role: string;
  partitions: readonly string[];
  orgUnitId: number | null;
  /**
   * `ldap` (default) or `oidc`: an OIDC user's `dn` is the provider's `sub`, and a name
   * held by another subject is refused (a provider account cannot take over another's).
   */
  source?: "ldap" | "oidc";
}

/** Raised when a local user already holds the name, or the role does not exist. */
export class DirectoryUserError extends Error {
  override name = "DirectoryUserError";
}

/**
 * Creates or updates the directory user `grant.username` with the grant: role,
 * partitions, org unit, DN, checked now and no longer denied. A local user of that name
 * is never turned into a directory user. Returns the row as stored and whether it is new.
 */
export async function upsertDirectoryUser(
  db: Db,
  grant: DirectoryGrantRow,
  now: string,
): Promise<{ user: User; created: boolean }> {
  return await inTransaction(db, async (tx) => {
    const role = await tx.selectFrom("roles").select("name").where("name", "=", grant.role)
      .executeTakeFirst();
    if (!role) throw new DirectoryUserError(`role "${grant.role}" does not exist`);
    const existing = await tx.selectFrom("users").selectAll()
      .where("username", "=", grant.username).executeTakeFirst();
    const source = grant.source ?? "ldap";
    if (existing && existing.source !== source) {
      throw new DirectoryUserError(
        existing.source === "local"
          ? `"${grant.username}" is a local user`
          : `"${grant.username}" is a ${existing.source} user`,
      );
    }
    if (existing && source === "oidc" && existing.directory_dn !== grant.dn) {
      throw new DirectoryUserError(`"${grant.username}" belongs to another subject (sub)`);
    }
    const fields = {
      display_name: grant.displayName,
      role: grant.role,
      org_unit_id: grant.orgUnitId,
      directory_dn: grant.dn,
      directory_checked_at: now,
      directory_denied: 0,
      updated_at: now,
    };
    let id: number;
    if (existing) {
      id = existing.id;
      await tx.updateTable("users").set(fields).where("id", "=", id).execute();
    } else {
      ({ id } = await tx.insertInto("users").values({
        ...fields,
        username: grant.username,
        password_hash: NO_PASSWORD,
        agent_id: null,
        disabled: 0,
        failed_logins: 0,
        locked_until: null,
        must_change_password: 0,
        created_at: now,
        source,
      }).returning("id").executeTakeFirstOrThrow());
    }
    await setUserPartitions(tx, id, [...new Set(grant.partitions)]);
    const user = await tx.selectFrom("users").selectAll().where("id", "=", id)
      .executeTakeFirstOrThrow();
    return { user, created: !existing };
  });
}

/** The directory (or provider) no longer grants `userId`: mark it denied and end its sessions. */
export async function denyDirectoryUser(db: Db, userId: number, now: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.updateTable("users").set({ directory_denied: 1, updated_at: now })
      .where("id", "=", userId).where("source", "!=", "local").execute();
    await tx.deleteFrom("sessions").where("user_id", "=", userId).execute();
  });
}
