/** `GET /healthz`: 200 with status while serving, 503 while draining or with a broken DB. */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** Health sub-app. */
export function healthRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", (c) => {
    const health = c.get("services").health();
    return c.json(health, health.status === "ok" ? 200 : 503);
  });
  return r;
}
