/** The Hono app factory: one sub-app per resource, one error handler. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { App } from "../src/app.ts";
import type { AppEnv } from "./context.ts";
import { healthRoutes } from "./routes/health.ts";

/** Builds the web app over the running box's services. */
export function newApp(app: App): Hono<AppEnv> {
  const web = new Hono<AppEnv>();
  web.use(async function provideServices(c, next) {
    c.set("app", app);
    await next();
  });
  web.route("/healthz", healthRoutes());
  web.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: err.message }, err.status);
    }
    app.log.error("unhandled web error", { path: c.req.path, error: err });
    return c.json({ error: "internal error" }, 500);
  });
  web.notFound((c) => c.json({ error: "not found" }, 404));
  return web;
}
