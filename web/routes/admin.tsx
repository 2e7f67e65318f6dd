/** The /admin sub-app: users, org units, tokens, rules, system. */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { adminUserRoutes } from "./admin_users.tsx";
import { adminSystemRoutes } from "./admin_system.tsx";

/** Admin sub-app, mounted at /admin. */
export function adminRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.route("/", adminUserRoutes());
  r.route("/", adminSystemRoutes());
  return r;
}
