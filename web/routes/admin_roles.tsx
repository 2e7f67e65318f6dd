/**
 * `/admin/roles`: the shipped roles (admin, supervisor, compliance, agent) and any added
 * ones as one role × permission grid with one save (`POST /admin/roles/_grid`; role names
 * start with a letter, so `_grid` is never a role). `POST /admin/roles/:name` still saves
 * one role. Every changed role is audited (`role.update`, `role.add`) with the permissions
 * before and after, in the same transaction. The admin role keeps `users.manage`, so
 * nobody can lock every administrator out from the UI.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { type Permission, PERMISSIONS } from "../../src/auth/permissions.ts";
import { pageContext } from "../views/page.ts";
import { RolesPage } from "../views/admin_roles_view.tsx";
import { redirectWithFlash } from "../views/flash.ts";
import {
  addRole,
  listRolePermissions,
  listRolesWithPermissions,
  roleExists,
  type RoleWithPermissions,
  updateRole,
} from "../../src/store/queries/roles.ts";

type Body = Record<string, string | File | (string | File)[]>;

/** One role's change from the grid. */
export interface RoleChange {
  name: string;
  description: string;
  before: string[];
  after: Permission[];
}

const KNOWN: readonly string[] = PERMISSIONS;
const LOCKOUT = "the admin role keeps users.manage, so administrators cannot be locked out";

function permissionsOf(body: Body): Permission[] {
  const raw = ([] as unknown[]).concat(body["permissions"] ?? body["permissions[]"] ?? []);
  const bad = raw.find((p) => typeof p !== "string" || !KNOWN.includes(p));
  if (bad !== undefined) httpError(400, `permissions: unknown permission "${String(bad)}"`);
  return [...new Set(raw as Permission[])].sort();
}

/**
 * The roles the grid form changes: `grant` values `role:permission`, `description:role`
 * fields. Throws RangeError naming the field for an unknown role or permission, a
 * missing description, or an admin role without `users.manage`.
 */
export function gridChanges(roles: readonly RoleWithPermissions[], body: Body): RoleChange[] {
  const grants = new Map(roles.map((r) => [r.name, new Set<Permission>()]));
  for (const g of ([] as unknown[]).concat(body.grant ?? [])) {
    const [role, perm] = typeof g === "string" ? g.split(":", 2) : [];
    const set = role === undefined ? undefined : grants.get(role);
    if (!set) throw new RangeError(`grant: unknown role in "${String(g)}"`);
    if (!KNOWN.includes(perm)) throw new RangeError(`grant: unknown permission in "${g}"`);
    set.add(perm as Permission);
  }
  const out: RoleChange[] = [];
  for (const role of roles) {
    const d = body[`description:${role.name}`];
    const description = typeof d === "string" ? d.trim().slice(0, 200) : "";
    if (!description) throw new RangeError(`description of ${role.name}: required`);
    const after = [...grants.get(role.name)!].sort();
    if (role.name === "admin" && !after.includes("users.manage")) throw new RangeError(LOCKOUT);
    const before = [...role.permissions].sort();
    if (description !== role.description || before.join() !== after.join()) {
      out.push({ name: role.name, description, before, after });
    }
  }
  return out;
}

async function rolesPage(c: Context<AppEnv>, error?: string, status: 200 | 400 | 409 = 200) {
  const roles = await listRolesWithPermissions(c.get("services").store.db);
  return c.html(
    <RolesPage
      ctx={pageContext(c)}
      roles={roles.map((role) => ({ ...role, permissions: new Set(role.permissions) }))}
      error={error}
    />,
    status,
  );
}

/** Roles sub-app, mounted under /admin. */
export function adminRoleRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/roles", requirePermission("users.manage"));
  r.use("/roles/*", requirePermission("users.manage"));
  r.get("/roles", (c) => rolesPage(c));
  r.post("/roles", async (c) => {
    const svc = c.get("services");
    const body = await c.req.parseBody();
    const name = typeof body.name === "string" ? body.name.trim() : "";
    const description = typeof body.description === "string" ? body.description.trim() : "";
    if (!/^[a-z][a-z0-9_-]{1,31}$/.test(name)) {
      httpError(400, "name: 2-32 lowercase letters, digits, _ or -, starting with a letter");
    }
    if (!description) httpError(400, "description: required");
    await svc.store.db.transaction().execute(async (tx) => {
      if (await roleExists(tx, name)) httpError(409, `role "${name}" exists`);
      await addRole(tx, name, description);
      await svc.audit.append({
        ...auditActor(c),
        action: "role.add",
        target: { type: "role", id: name },
        details: { description },
      }, tx);
    });
    return redirectWithFlash(c, "/admin/roles", `Role ${name} added; grant it permissions below.`);
  });
  r.post("/roles/_grid", async (c) => {
    const svc = c.get("services");
    const body = await c.req.parseBody({ all: true });
    let changes: RoleChange[] = [];
    try {
      await svc.store.db.transaction().execute(async (tx) => {
        changes = gridChanges(await listRolesWithPermissions(tx), body);
        for (const ch of changes) {
          await updateRole(tx, ch.name, { description: ch.description, permissions: ch.after });
          await svc.audit.append({
            ...auditActor(c),
            action: "role.update",
            target: { type: "role", id: ch.name },
            details: { before: ch.before, after: ch.after, description: ch.description },
          }, tx);
        }
      });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return rolesPage(c, `Not saved: ${err.message}.`, err.message === LOCKOUT ? 409 : 400);
    }
    const message = changes.length === 0
      ? "No changes to save."
      : `Saved ${changes.length === 1 ? "role" : "roles"} ${
        changes.map((x) => x.name).join(", ")
      }.`;
    return redirectWithFlash(c, "/admin/roles", message);
  });
  r.post("/roles/:name", async (c) => {
    const svc = c.get("services");
    const name = c.req.param("name");
    const body = await c.req.parseBody({ all: true });
    const permissions = permissionsOf(body);
    const description = typeof body.description === "string" ? body.description.trim() : "";
    if (!description) httpError(400, "description: required");
    if (name === "admin" && !permissions.includes("users.manage")) httpError(409, LOCKOUT);
    await svc.store.db.transaction().execute(async (tx) => {
      if (!await roleExists(tx, name)) httpError(404, "no such role");
      const before = await listRolePermissions(tx, name);
      await updateRole(tx, name, { description, permissions });
      await svc.audit.append({
        ...auditActor(c),
        action: "role.update",
        target: { type: "role", id: name },
        details: { before, after: permissions, description },
      }, tx);
    });
    return redirectWithFlash(c, "/admin/roles", `Saved role ${name}.`);
  });
  return r;
}
