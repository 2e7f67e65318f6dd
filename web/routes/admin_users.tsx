/**
 * Admin (users.manage): `/admin/users` (add, update role/partitions/org unit/agent id,
 * disable/enable, reset password), `/admin/org` (org-unit tree, add unit) and
 * `/admin/tokens` (create — the token is shown once — and revoke). Every change and its
 * audit entry commit in one transaction.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Transaction } from "kysely";
import type { AppEnv } from "../context.ts";
import type { Database } from "../../src/store/schema/database.ts";
import type { AuditInput } from "../../src/audit/audit_log.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { hashPassword, passwordProblem } from "../../src/auth/password.ts";
import {
  addUser,
  findUser,
  listUsers,
  resetUserPassword,
  setUserDisabledById,
  setUserPartitions,
  updateUserPlacement,
} from "../../src/store/queries/users.ts";
import { addOrgUnit, listOrgUnits } from "../../src/store/queries/org_units.ts";
import { listTokens, revokeToken } from "../../src/store/queries/tokens.ts";
import { listRoleNames, listRolePermissions } from "../../src/store/queries/roles.ts";
import { API_SCOPES, createApiToken } from "../../src/auth/api_tokens.ts";
import { PERMISSIONS } from "../../src/auth/permissions.ts";
import { OrgPage, TokensPage, UsersPage } from "../views/admin_view.tsx";
import { pageContext } from "../views/page.ts";

type Body = Record<string, string | File | (string | File)[]>;

type Entry = Omit<AuditInput, "actor" | "ip">;

async function audited<T>(
  c: Context<AppEnv>,
  input: Entry | ((out: T) => Entry),
  fn: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const svc = c.get("services");
  return await svc.store.db.transaction().execute(async (tx) => {
    const out = await fn(tx);
    const entry = typeof input === "function" ? input(out) : input;
    await svc.audit.append({ ...auditActor(c), ...entry }, tx);
    return out;
  });
}

function text(body: Body, name: string, max = 200): string {
  const v = body[name];
  return typeof v === "string" ? v.trim().slice(0, max) : "";
}

function partitionsOf(body: Body): string[] {
  return [
    ...new Set(
      text(body, "partitions", 1000).split(/[\s,]+/).filter((p) => /^[\w*.-]{1,64}$/.test(p)),
    ),
  ];
}

function optId(body: Body, name: string): number | null {
  const v = text(body, name);
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

function roles(c: Context<AppEnv>): Promise<string[]> {
  return listRoleNames(c.get("services").store.db);
}

/**
 * Whether users of `role` need an org unit to see anything: the org hierarchy applies
 * (`auth.scope.hierarchy`) and the role may search recordings (supervisors, compliance).
 */
async function seesByOrgUnit(c: Context<AppEnv>, role: string): Promise<boolean> {
  if (!c.get("auth").scope.hierarchy) return false;
  const granted = await listRolePermissions(c.get("services").store.db, role);
  return granted.includes("recording.search");
}

/** Users, org units and tokens sub-app, mounted at /admin. */
export function adminUserRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/users/*", requirePermission("users.manage"));
  r.use("/users", requirePermission("users.manage"));
  r.use("/org", requirePermission("users.manage"));
  r.use("/tokens", requirePermission("users.manage"));
  r.use("/tokens/*", requirePermission("users.manage"));
  const usersPage = async (c: Context<AppEnv>, notice?: string, status: 200 | 400 = 200) => {
    const db = c.get("services").store.db;
    return c.html(
      <UsersPage
        ctx={pageContext(c)}
        users={await listUsers(db)}
        roles={await roles(c)}
        units={await listOrgUnits(db)}
        notice={notice}
      />,
      status,
    );
  };
  r.get("/users", (c) => usersPage(c));
  r.post("/users", async (c) => {
    const body = await c.req.parseBody();
    const username = text(body, "username", 64);
    const password = typeof body.password === "string" ? body.password : "";
    const role = text(body, "role");
    if (!/^[\w.@-]{1,64}$/.test(username)) {
      return usersPage(c, "Username: 1-64 letters, digits or ._@-", 400);
    }
    const problem = passwordProblem(password, c.get("services").config.auth.minPasswordLength);
    if (problem) return usersPage(c, `Password: ${problem}`, 400);
    if (!(await roles(c)).includes(role)) return usersPage(c, "Unknown role", 400);
    if (await findUser(c.get("services").store.db, username)) {
      return usersPage(c, "Username is taken", 400);
    }
    const orgUnitId = optId(body, "org_unit_id");
    const agentId = text(body, "agent_id", 64) || null;
    if (orgUnitId === null && agentId === null && await seesByOrgUnit(c, role)) {
      return usersPage(
        c,
        `Org unit: a ${role} sees recordings and calls only of agents in their org unit; ` +
          "choose one (the top unit sees everything)",
        400,
      );
    }
    const hash = await hashPassword(password);
    const now = new Date(c.get("auth").now());
    const partitions = partitionsOf(body);
    await audited(c, (id: number) => ({
      action: "user.add",
      target: { type: "user", id: String(id) },
      details: { username, role, partitions, orgUnitId, agentId },
    }), (tx) =>
      addUser(tx, {
        username,
        displayName: text(body, "display_name") || null,
        passwordHash: hash,
        role,
        orgUnitId,
        agentId,
        partitions,
        mustChangePassword: true,
      }, now));
    return c.redirect("/admin/users", 303);
  });
  r.post("/users/:id", async (c) => {
    const id = Number(c.req.param("id"));
    const body = await c.req.parseBody();
    const role = text(body, "role");
    if (!(await roles(c)).includes(role)) httpError(400, "unknown role");
    const now = new Date(c.get("auth").now()).toISOString();
    const parts = partitionsOf(body);
    const orgUnitId = optId(body, "org_unit_id");
    const agentId = text(body, "agent_id", 64) || null;
    await audited(c, {
      action: "user.update",
      target: { type: "user", id: String(id) },
      details: { role, partitions: parts, orgUnitId, agentId },
    }, async (tx) => {
      if (!await updateUserPlacement(tx, id, { role, orgUnitId, agentId }, now)) {
        httpError(404, "not found");
      }
      await setUserPartitions(tx, id, parts);
    });
    return c.redirect("/admin/users", 303);
  });
  r.post("/users/:id/disable", async (c) => {
    const id = Number(c.req.param("id"));
    const disabled = (await c.req.parseBody()).disabled === "1";
    if (disabled && id === c.get("principal")!.userId) {
      httpError(400, "you cannot disable yourself");
    }
    await audited(c, {
      action: disabled ? "user.disable" : "user.enable",
      target: { type: "user", id: String(id) },
    }, async (tx) => {
      if (!await setUserDisabledById(tx, id, disabled)) httpError(404, "not found");
    });
    return c.redirect("/admin/users", 303);
  });
  r.post("/users/:id/password", async (c) => {
    const id = Number(c.req.param("id"));
    const body = await c.req.parseBody();
    const password = typeof body.password === "string" ? body.password : "";
    const problem = passwordProblem(password, c.get("services").config.auth.minPasswordLength);
    if (problem) return usersPage(c, `Password: ${problem}`, 400);
    const hash = await hashPassword(password);
    await audited(
      c,
      { action: "user.reset_password", target: { type: "user", id: String(id) } },
      async (tx) => {
        if (!await resetUserPassword(tx, id, hash)) httpError(404, "not found");
      },
    );
    return usersPage(c, "Password reset; the user's sessions were ended.");
  });

  r.get(
    "/org",
    async (c) =>
      c.html(
        <OrgPage ctx={pageContext(c)} units={await listOrgUnits(c.get("services").store.db)} />,
      ),
  );
  r.post("/org", async (c) => {
    const body = await c.req.parseBody();
    const name = text(body, "name", 100);
    const parentId = optId(body, "parent_id");
    if (!name) httpError(400, "a name is required");
    try {
      await audited(c, {
        action: "org.add",
        target: { type: "org_unit", id: name },
        details: { parentId },
      }, (tx) => addOrgUnit(tx, name, parentId));
    } catch (err) {
      if (err instanceof RangeError && /parent/.test(err.message)) {
        httpError(400, "parent does not exist");
      }
      throw err;
    }
    return c.redirect("/admin/org", 303);
  });

  const tokensPage = async (c: Context<AppEnv>, created?: string) => {
    const db = c.get("services").store.db;
    return c.html(
      <TokensPage
        ctx={pageContext(c)}
        tokens={await listTokens(db)}
        users={await listUsers(db)}
        permissions={[...PERMISSIONS, ...API_SCOPES]}
        created={created}
      />,
    );
  };
  r.get("/tokens", (c) => tokensPage(c));
  r.post("/tokens", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const scopes = ([] as unknown[]).concat(body.scopes ?? []).filter((s): s is string =>
      typeof s === "string"
    );
    const spec = {
      name: text(body, "name", 64),
      scopes,
      userId: optId(body, "user_id"),
      agentId: text(body, "agent_id", 64) || null,
    };
    let token = "";
    try {
      await audited(c, (id: number) => ({
        action: "token.create",
        target: { type: "token", id: String(id) },
        details: { name: spec.name, scopes, userId: spec.userId, agentId: spec.agentId },
      }), async (tx) => {
        const created = await createApiToken(tx, spec, new Date(c.get("auth").now()));
        token = created.token;
        return created.id;
      });
    } catch (err) {
      if (err instanceof RangeError) httpError(400, err.message);
      if (/UNIQUE/.test(String((err as Error).message))) {
        httpError(400, "a token with this name exists");
      }
      throw err;
    }
    return tokensPage(c, token);
  });
  r.post("/tokens/:id/revoke", async (c) => {
    const id = Number(c.req.param("id"));
    const now = new Date(c.get("auth").now()).toISOString();
    await audited(
      c,
      { action: "token.revoke", target: { type: "token", id: String(id) } },
      async (tx) => {
        if (!await revokeToken(tx, id, now)) httpError(404, "no live token with this id");
      },
    );
    return c.redirect("/admin/tokens", 303);
  });
  return r;
}
