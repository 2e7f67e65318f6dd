/** `GET /metrics`: Prometheus text for monitoring; needs `system.manage` (session or token). */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { prometheusText } from "../../src/metrics.ts";

/** Metrics sub-app. */
export function metricsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", requirePermission("system.manage"), (c) => {
    const svc = c.get("services");
    return c.body(prometheusText(svc.metrics.collect()), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      "Cache-Control": "no-store",
    });
  });
  return r;
}
