/** The /admin sub-app: users, roles, org units, tokens, rules, system. */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { adminUserRoutes } from "./admin_users.tsx";
import { adminSystemRoutes } from "./admin_system.tsx";
import { adminRoleRoutes } from "./admin_roles.tsx";
import { adminMfaRoutes } from "./admin_mfa.ts";
import { adminAgentRoutes } from "./admin_agents.tsx";
import { adminOrgRoutes } from "./admin_org.tsx";
import { adminTokenRoutes } from "./admin_tokens.tsx";

/** Admin sub-app, mounted at /admin. */
export function adminRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.route("/", adminUserRoutes());
  r.route("/", adminSystemRoutes());
  r.route("/", adminRoleRoutes());
  r.route("/", adminMfaRoutes());
  r.route("/", adminAgentRoutes());
  r.route("/", adminOrgRoutes());
  r.route("/", adminTokenRoutes());
  return r;
}
