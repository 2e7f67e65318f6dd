/**
 * `GET /metrics`: Prometheus text for monitoring; needs a token with the `metrics` scope
 * (no user needed) or `system.manage` (session or token).
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { prometheusText } from "../../src/metrics.ts";

/** The API scope that lets a token read `/metrics` without a user behind it. */
export const METRICS_SCOPE = "metrics";

/** Middleware: a `metrics`-scoped token passes; anyone else needs `system.manage`. */
function requireMetricsAccess(): MiddlewareHandler<AppEnv> {
  const manage = requirePermission("system.manage");
  return async function metricsAccess(c, next) {
    const p = c.get("principal");
    if (p?.kind === "token" && p.scopes?.includes(METRICS_SCOPE)) return await next();
    return await manage(c, next);
  };
}

/** Metrics sub-app. */
export function metricsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", requireMetricsAccess(), (c) => {
    const svc = c.get("services");
    return c.body(prometheusText(svc.metrics.collect()), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      "Cache-Control": "no-store",
    });
  });
  return r;
}
