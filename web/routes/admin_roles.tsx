/**
 * `/admin/roles`: the shipped roles (admin, supervisor, compliance, agent) and any added
 * ones, with their permissions as checkboxes. Every change is audited (`role.update`,
 * `role.add`) with the permissions before and after, in the same transaction. The admin
 * role keeps `users.manage`, so nobody can lock every administrator out from the UI.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { type Permission, PERMISSIONS } from "../../src/auth/permissions.ts";
import { CsrfField, Layout } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import {
  addRole,
  listRolePermissions,
  listRolesWithPermissions,
  roleExists,
  updateRole,
} from "../../src/store/queries/roles.ts";
import type { PageContext } from "../views/layout.tsx";

interface RoleRow {
  name: string;
  description: string;
  builtIn: boolean;
  permissions: Set<string>;
}

function RolesPage(props: { ctx: PageContext; roles: RoleRow[] }) {
  return (
    <Layout title="Roles" ctx={props.ctx}>
      <p>
        A recording is visible only with the permission <em>and</em> a shared partition
        <em>and</em> the org hierarchy; roles grant the permissions.
      </p>
      {props.roles.map((role) => (
        <form key={role.name} method="post" action={`/admin/roles/${role.name}`} class="role">
          <CsrfField token={props.ctx.csrfToken} />
          <h2>
            {role.name} {role.builtIn && <small>(shipped)</small>}
          </h2>
          <label>
            Description{" "}
            <input name="description" value={role.description} required maxlength={200} size={60} />
          </label>
          <fieldset>
            {PERMISSIONS.map((p) => (
              <label key={p}>
                <input
                  type="checkbox"
                  name="permissions"
                  value={p}
                  checked={role.permissions.has(p)}
                />{" "}
                {p}
              </label>
            ))}
          </fieldset>
          <button type="submit">Save {role.name}</button>
        </form>
      ))}
      <h2>Add role</h2>
      <form method="post" action="/admin/roles" class="filters">
        <CsrfField token={props.ctx.csrfToken} />
        <label>
          Name <input name="name" required pattern="[a-z][a-z0-9_-]{1,31}" />
        </label>
        <label>
          Description <input name="description" required maxlength={200} />
        </label>
        <button type="submit">Add</button>
      </form>
    </Layout>
  );
}

function permissionsOf(body: Record<string, string | File | (string | File)[]>): Permission[] {
  const raw = ([] as unknown[]).concat(body["permissions"] ?? body["permissions[]"] ?? []);
  const bad = raw.find((p) =>
    typeof p !== "string" || !(PERMISSIONS as readonly string[]).includes(p)
  );
  if (bad !== undefined) httpError(400, `permissions: unknown permission "${String(bad)}"`);
  return [...new Set(raw as Permission[])].sort();
}

/** Roles sub-app, mounted under /admin. */
export function adminRoleRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/roles", requirePermission("users.manage"));
  r.use("/roles/*", requirePermission("users.manage"));
  r.get("/roles", async (c) => {
    const roles = await listRolesWithPermissions(c.get("services").store.db);
    return c.html(
      <RolesPage
        ctx={pageContext(c)}
        roles={roles.map((role) => ({ ...role, permissions: new Set(role.permissions) }))}
      />,
    );
  });
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
    return c.redirect("/admin/roles", 303);
  });
  r.post("/roles/:name", async (c) => {
    const svc = c.get("services");
    const name = c.req.param("name");
    const body = await c.req.parseBody({ all: true });
    const permissions = permissionsOf(body);
    const description = typeof body.description === "string" ? body.description.trim() : "";
    if (!description) httpError(400, "description: required");
    if (name === "admin" && !permissions.includes("users.manage")) {
      httpError(409, "the admin role keeps users.manage, so administrators cannot be locked out");
    }
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
    return c.redirect("/admin/roles", 303);
  });
  return r;
}
