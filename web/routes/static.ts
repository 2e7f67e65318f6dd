/** `GET /static/:name`: the CSS and self-only client scripts in web/static/ (a fixed list). */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { httpError } from "../http_error.ts";

const FILES: Record<string, string> = {
  "app.css": "text/css; charset=utf-8",
  "player.js": "text/javascript; charset=utf-8",
  "agent.js": "text/javascript; charset=utf-8",
  "count.js": "text/javascript; charset=utf-8",
  "calls.js": "text/javascript; charset=utf-8",
  "local_time.js": "text/javascript; charset=utf-8",
  "confirm.js": "text/javascript; charset=utf-8",
};

/** Static sub-app; files are read once and kept in memory. */
export function staticRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const cache = new Map<string, string>();
  r.get("/:name", async (c) => {
    const name = c.req.param("name");
    const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!type) httpError(404, "not found");
    let text = cache.get(name);
    if (text === undefined) {
      text = await Deno.readTextFile(new URL(`../static/${name}`, import.meta.url));
      cache.set(name, text);
    }
    return c.body(text, 200, { "Content-Type": type, "Cache-Control": "public, max-age=300" });
  });
  return r;
}
