/**
 * CSRF defence for every state-changing request (anything but GET/HEAD/OPTIONS):
 * 1. Origin check: a present `Origin` must be our own origin, and a present
 *    `Sec-Fetch-Site` must be `same-origin` or `none`. This refuses cross-site form and
 *    JSON POSTs alike (Hono's csrf() lets `application/json` through), and covers the
 *    sign-in form, which has no session yet.
 * 2. Token check: requests authenticated by the session cookie must carry the session's
 *    CSRF token in the `X-CSRF-Token` header or the `_csrf` form field. Bearer-token
 *    requests carry no ambient credentials and skip this step.
 *
 * Refusals are audited as `auth.csrf` (outcome denied), bounded per address.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { httpError } from "../http_error.ts";
import { auditRefusal } from "./authenticate.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Audits the refusal (`auth.csrf`, denied) and answers 403 with `why`. */
async function refuse(c: Context<AppEnv>, why: string): Promise<never> {
  const p = c.get("principal");
  await auditRefusal(c, {
    actor: p
      ? { type: p.kind === "token" ? "token" : "user", id: p.id, name: p.name }
      : { type: "user", id: null, name: null },
    action: "auth.csrf",
    outcome: "denied",
    details: {
      why,
      origin: c.req.header("Origin")?.slice(0, 200) ?? null,
      site: c.req.header("Sec-Fetch-Site")?.slice(0, 50) ?? null,
    },
  });
  httpError(403, why);
}

/** Middleware factory; mount after {@link authenticate}. */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async function checkCsrf(c, next) {
    if (SAFE.has(c.req.method)) return await next();
    const own = new URL(c.req.url).origin;
    const origin = c.req.header("Origin");
    const site = c.req.header("Sec-Fetch-Site");
    // Browsers send `Origin: null` under a no-referrer policy; the browser-set
    // Sec-Fetch-Site still tells a same-origin post apart.
    const nullButSameSite = origin === "null" && site === "same-origin";
    if (origin !== undefined && origin !== own && !nullButSameSite) {
      await refuse(c, "cross-origin request refused");
    }
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      await refuse(c, "cross-site request refused");
    }
    if (c.get("via") === "session") {
      const expected = c.get("session")!.csrfToken;
      let sent = c.req.header("X-CSRF-Token");
      if (sent === undefined) {
        const type = c.req.header("Content-Type") ?? "";
        if (
          type.startsWith("application/x-www-form-urlencoded") ||
          type.startsWith("multipart/form-data")
        ) {
          const body = await c.req.parseBody();
          sent = typeof body._csrf === "string" ? body._csrf : undefined;
        }
      }
      if (sent === undefined || !sameToken(sent, expected)) {
        await refuse(c, "missing or bad CSRF token");
      }
    }
    await next();
  };
}
