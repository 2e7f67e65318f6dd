/** Role queries: roles and their permission grants. */
import type { Db } from "../db.ts";
import { inTransaction } from "./recording_writes.ts";

/** A role with its granted permission names (as stored, known or not). */
export interface RoleWithPermissions {
  name: string;
  description: string;
  builtIn: boolean;
  permissions: string[];
}

/** Role names, alphabetically. */
export async function listRoleNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom("roles").select("name").orderBy("name").execute();
  return rows.map((r) => r.name);
}

/** Every role with its grants: shipped roles first, then by name. */
export async function listRolesWithPermissions(db: Db): Promise<RoleWithPermissions[]> {
  const roles = await db.selectFrom("roles").selectAll().orderBy("built_in", "desc")
    .orderBy("name").execute();
  const grants = await db.selectFrom("role_permissions").selectAll().execute();
  return roles.map((role) => ({
    name: role.name,
    description: role.description,
    builtIn: role.built_in === 1,
    permissions: grants.filter((g) => g.role === role.name).map((g) => g.permission),
  }));
}

/** True when a role of this name exists. */
export async function roleExists(db: Db, name: string): Promise<boolean> {
  const row = await db.selectFrom("roles").select("name").where("name", "=", name)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts an added (not shipped) role with no permissions. */
export async function addRole(db: Db, name: string, description: string): Promise<void> {
  await db.insertInto("roles").values({ name, description, built_in: 0 }).execute();
}

/** The permission names a role grants (as stored), sorted. */
export async function listRolePermissions(db: Db, role: string): Promise<string[]> {
  const rows = await db.selectFrom("role_permissions").select("permission")
    .where("role", "=", role).execute();
  return rows.map((r) => r.permission).sort();
}

/**
 * Replaces a role's grants and description, in the caller's transaction when `db` is one
 * (so the audit entry commits with it), else in a new one.
 */
export async function updateRole(
  db: Db,
  name: string,
  change: { description: string; permissions: readonly string[] },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.deleteFrom("role_permissions").where("role", "=", name).execute();
    for (const permission of change.permissions) {
      await tx.insertInto("role_permissions").values({ role: name, permission }).execute();
    }
    await tx.updateTable("roles").set({ description: change.description })
      .where("name", "=", name).execute();
  });
}
