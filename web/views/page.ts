/** Helpers to render a page from a route with the principal and CSRF token filled in. */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import type { PageContext } from "./layout.tsx";
import { scopeExplanation } from "./scope_note.tsx";
import { takeFlash } from "./flash.ts";

/** The lists that say why a user's scope hides everything (web/views/scope_note.tsx). */
const SCOPED_LISTS = new Set(["/recordings", "/calls"]);

/** The layout context of the current request. */
export function pageContext(c: Context<AppEnv>): PageContext {
  const principal = c.get("principal");
  const scope = c.get("auth")?.scope;
  const scopeNotes = scope && SCOPED_LISTS.has(c.req.path)
    ? scopeExplanation(principal, scope)
    : [];
  return {
    principal,
    csrfToken: c.get("session")?.csrfToken,
    scopeNotes,
    path: c.req.path,
    flash: takeFlash(c),
  };
}
