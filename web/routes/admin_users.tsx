/**
 * `/admin/users` (users.manage): add, update role/partitions/org unit/agent id,
 * disable (asks first; web/views/confirm.tsx) or enable, reset password. Every change and its
 * audit entry commit in one transaction; each success redirects with a one-shot message
 * (web/views/flash.ts). Org units are in admin_org.tsx, API tokens in admin_tokens.tsx.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import { hashPassword, passwordProblem } from "../../src/auth/password.ts";
import {
  addUser,
  findUser,
  findUserById,
  listUsers,
  resetUserPassword,
  setUserDisabledById,
  setUserPartitions,
  updateUserPlacement,
} from "../../src/store/queries/users.ts";
import { listOrgUnits } from "../../src/store/queries/org_units.ts";
import { listRoleNames, listRolePermissions } from "../../src/store/queries/roles.ts";
import { UsersPage } from "../views/admin_view.tsx";
import { pageContext } from "../views/page.ts";
import { redirectWithFlash } from "../views/flash.ts";
import { confirmationPage, isConfirmed } from "../views/confirm.tsx";
import { audited, type Body, optId, pathId, text } from "./admin_forms.ts";

const USERS = "/admin/users";

function partitionsOf(body: Body): string[] {
  return [
    ...new Set(
      text(body, "partitions", 1000).split(/[\s,]+/).filter((p) => /^[\w*.-]{1,64}$/.test(p)),
    ),
  ];
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

async function usersPage(c: Context<AppEnv>, notice?: string, status: 200 | 400 = 200) {
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
}

/** The user with the path's `:id`, or 404. */
async function userOfPath(c: Context<AppEnv>) {
  const id = pathId(c);
  const user = id === null ? undefined : await findUserById(c.get("services").store.db, id);
  if (!user) httpError(404, "no such user");
  return user;
}

async function addUserRoute(c: Context<AppEnv>) {
  const body = await c.req.parseBody();
  const username = text(body, "username", 64);
  const password = typeof body.password === "string" ? body.password : "";
  const role = text(body, "role");
  if (!/^[\w.@-]{1,64}$/.test(username)) {
    return usersPage(c, "Username: 1-64 letters, digits or ._@-", 400);
  }
  const problem = passwordProblem(password, c.get("services").config.auth.minPasswordLength);
  if (problem) return usersPage(c, `Password: ${problem}`, 400);
  if (!(await roles(c)).includes(role)) return usersPage(c, "Role: unknown role", 400);
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
  return redirectWithFlash(
    c,
    USERS,
    `User ${username} added; they choose their own password at the first sign-in.`,
  );
}

/** Users sub-app, mounted at /admin. */
export function adminUserRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/users/*", requirePermission("users.manage"));
  r.use("/users", requirePermission("users.manage"));
  r.get("/users", (c) => usersPage(c));
  r.post("/users", addUserRoute);
  r.post("/users/:id", async (c) => {
    const user = await userOfPath(c);
    const body = await c.req.parseBody();
    const role = text(body, "role");
    if (!(await roles(c)).includes(role)) httpError(400, "role: unknown role");
    const now = new Date(c.get("auth").now()).toISOString();
    const parts = partitionsOf(body);
    const orgUnitId = optId(body, "org_unit_id");
    const agentId = text(body, "agent_id", 64) || null;
    await audited(c, {
      action: "user.update",
      target: { type: "user", id: String(user.id) },
      details: { role, partitions: parts, orgUnitId, agentId },
    }, async (tx) => {
      if (!await updateUserPlacement(tx, user.id, { role, orgUnitId, agentId }, now)) {
        httpError(404, "no such user");
      }
      await setUserPartitions(tx, user.id, parts);
    });
    return redirectWithFlash(c, USERS, `Saved ${user.username}.`);
  });
  r.post("/users/:id/disable", async (c) => {
    const user = await userOfPath(c);
    const body = await c.req.parseBody();
    const disabled = body.disabled === "1";
    if (disabled && user.id === c.get("principal")!.userId) {
      httpError(400, "you cannot disable yourself");
    }
    if (disabled && !isConfirmed(body)) {
      return confirmationPage(c, body, {
        question: `Disable ${user.username}? They are signed out and cannot sign in until ` +
          "enabled.",
        label: `Disable ${user.username}`,
        cancelHref: USERS,
      });
    }
    await audited(c, {
      action: disabled ? "user.disable" : "user.enable",
      target: { type: "user", id: String(user.id) },
    }, async (tx) => {
      if (!await setUserDisabledById(tx, user.id, disabled)) httpError(404, "no such user");
    });
    return redirectWithFlash(
      c,
      USERS,
      disabled ? `${user.username} is disabled.` : `${user.username} is enabled again.`,
    );
  });
  r.post("/users/:id/password", async (c) => {
    const user = await userOfPath(c);
    const body = await c.req.parseBody();
    const password = typeof body.password === "string" ? body.password : "";
    const problem = passwordProblem(password, c.get("services").config.auth.minPasswordLength);
    if (problem) return usersPage(c, `New password of ${user.username}: ${problem}`, 400);
    const hash = await hashPassword(password);
    await audited(
      c,
      { action: "user.reset_password", target: { type: "user", id: String(user.id) } },
      async (tx) => {
        if (!await resetUserPassword(tx, user.id, hash)) httpError(404, "no such user");
      },
    );
    return redirectWithFlash(
      c,
      USERS,
      `Password of ${user.username} reset; their sessions were ended.`,
    );
  });
  return r;
}
