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
import { listUsers } from "../../src/store/queries/users.ts";
import { listOrgUnits } from "../../src/store/queries/org_units.ts";
import { listTokens } from "../../src/store/queries/tokens.ts";
import { createApiToken } from "../../src/auth/api_tokens.ts";
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
  const app = c.get("app");
  return await app.store.db.transaction().execute(async (tx) => {
    const out = await fn(tx);
    const entry = typeof input === "function" ? input(out) : input;
    await app.audit.append({ ...auditActor(c), ...entry }, tx);
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

async function setPartitions(tx: Transaction<Database>, userId: number, parts: string[]) {
  await tx.deleteFrom("user_partitions").where("user_id", "=", userId).execute();
  for (const partition of parts) {
    await tx.insertInto("user_partitions").values({ user_id: userId, partition }).execute();
  }
}

async function roles(c: Context<AppEnv>): Promise<string[]> {
  return (await c.get("app").store.db.selectFrom("roles").select("name").orderBy("name").execute())
    .map((r) => r.name);
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
    const db = c.get("app").store.db;
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
    const problem = passwordProblem(password, c.get("app").config.auth.minPasswordLength);
    if (problem) return usersPage(c, `Password: ${problem}`, 400);
    if (!(await roles(c)).includes(role)) return usersPage(c, "Unknown role", 400);
    const db = c.get("app").store.db;
    if (
      await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirst()
    ) {
      return usersPage(c, "Username is taken", 400);
    }
    const hash = await hashPassword(password);
    const now = new Date(c.get("auth").now()).toISOString();
    const orgUnitId = optId(body, "org_unit_id");
    const agentId = text(body, "agent_id", 64) || null;
    const partitions = partitionsOf(body);
    await audited(c, (id: number) => ({
      action: "user.add",
      target: { type: "user", id: String(id) },
      details: { username, role, partitions, orgUnitId, agentId },
    }), async (tx) => {
      const { id } = await tx.insertInto("users").values({
        username,
        display_name: text(body, "display_name") || null,
        password_hash: hash,
        role,
        org_unit_id: orgUnitId,
        agent_id: agentId,
        disabled: 0,
        failed_logins: 0,
        locked_until: null,
        must_change_password: 1,
        created_at: now,
        updated_at: now,
      }).returning("id").executeTakeFirstOrThrow();
      await setPartitions(tx, id, partitions);
      return id;
    });
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
      const r = await tx.updateTable("users").set({
        role,
        org_unit_id: orgUnitId,
        agent_id: agentId,
        updated_at: now,
      }).where("id", "=", id).executeTakeFirst();
      if (r.numUpdatedRows !== 1n) httpError(404, "not found");
      await setPartitions(tx, id, parts);
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
      const r = await tx.updateTable("users").set({ disabled: disabled ? 1 : 0 }).where(
        "id",
        "=",
        id,
      ).executeTakeFirst();
      if (r.numUpdatedRows !== 1n) httpError(404, "not found");
      if (disabled) await tx.deleteFrom("sessions").where("user_id", "=", id).execute();
    });
    return c.redirect("/admin/users", 303);
  });
  r.post("/users/:id/password", async (c) => {
    const id = Number(c.req.param("id"));
    const body = await c.req.parseBody();
    const password = typeof body.password === "string" ? body.password : "";
    const problem = passwordProblem(password, c.get("app").config.auth.minPasswordLength);
    if (problem) return usersPage(c, `Password: ${problem}`, 400);
    const hash = await hashPassword(password);
    await audited(
      c,
      { action: "user.reset_password", target: { type: "user", id: String(id) } },
      async (tx) => {
        const r = await tx.updateTable("users").set({
          password_hash: hash,
          failed_logins: 0,
          locked_until: null,
          must_change_password: 1,
        }).where("id", "=", id).executeTakeFirst();
        if (r.numUpdatedRows !== 1n) httpError(404, "not found");
        await tx.deleteFrom("sessions").where("user_id", "=", id).execute();
      },
    );
    return usersPage(c, "Password reset; the user's sessions were ended.");
  });

  r.get(
    "/org",
    async (c) =>
      c.html(<OrgPage ctx={pageContext(c)} units={await listOrgUnits(c.get("app").store.db)} />),
  );
  r.post("/org", async (c) => {
    const body = await c.req.parseBody();
    const name = text(body, "name", 100);
    const parentId = optId(body, "parent_id");
    if (!name) httpError(400, "a name is required");
    await audited(c, {
      action: "org.add",
      target: { type: "org_unit", id: name },
      details: { parentId },
    }, async (tx) => {
      let parentPath = "/";
      if (parentId !== null) {
        const p = await tx.selectFrom("org_units").select("path").where("id", "=", parentId)
          .executeTakeFirst();
        if (!p) httpError(400, "parent does not exist");
        parentPath = p.path;
      }
      const { id } = await tx.insertInto("org_units").values({
        name,
        parent_id: parentId,
        path: `tmp:${crypto.randomUUID()}`,
      })
        .returning("id").executeTakeFirstOrThrow();
      await tx.updateTable("org_units").set({ path: `${parentPath}${id}/` }).where("id", "=", id)
        .execute();
    });
    return c.redirect("/admin/org", 303);
  });

  const tokensPage = async (c: Context<AppEnv>, created?: string) => {
    const db = c.get("app").store.db;
    return c.html(
      <TokensPage
        ctx={pageContext(c)}
        tokens={await listTokens(db)}
        users={await listUsers(db)}
        permissions={[...PERMISSIONS]}
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
        const r = await tx.updateTable("api_tokens").set({ revoked_at: now }).where("id", "=", id)
          .where("revoked_at", "is", null).executeTakeFirst();
        if (r.numUpdatedRows !== 1n) httpError(404, "no live token with this id");
      },
    );
    return c.redirect("/admin/tokens", 303);
  });
  return r;
}
