/** Helpers to render a page from a route with the principal and CSRF token filled in. */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import type { PageContext } from "./layout.tsx";

/** The layout context of the current request. */
export function pageContext(c: Context<AppEnv>): PageContext {
  return { principal: c.get("principal"), csrfToken: c.get("session")?.csrfToken };
}
