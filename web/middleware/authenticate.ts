/**
 * Resolves who is calling: `Authorization: Bearer sr_…` (API tokens) or the session
 * cookie. Sets `principal`, `session` and `via`; anonymous requests pass through and are
 * refused later by {@link requireUser} / {@link requirePermission}.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { bearerToken, principalForBearer } from "../../src/auth/api_tokens.ts";
import { principalForUser } from "../../src/auth/principal.ts";
import type { Permission } from "../../src/auth/permissions.ts";
import type { AuditInput } from "../../src/audit/audit_log.ts";
import { httpError } from "../http_error.ts";
import { findUserById } from "../../src/store/queries/users.ts";

/** The peer address from the listener (X-Forwarded-For is not trusted). */
export function clientIp(c: Context<AppEnv>): string {
  return c.env?.info?.remoteAddr?.hostname ?? "unknown";
}

/** Middleware: attaches the principal when the request carries valid credentials. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function resolvePrincipal(c, next) {
    const svc = c.get("services");
    const auth = c.get("auth");
    const header = c.req.header("Authorization");
    if (header !== undefined) {
      const token = bearerToken(header);
      const p = token ? await principalForBearer(svc.store.db, token, new Date(auth.now())) : null;
      if (!p) {
        await auditRefusal(c, {
          actor: { type: "token", id: null, name: null },
          action: "auth.bearer",
          outcome: "failed",
          details: { why: token ? "unknown, revoked or orphaned token" : "malformed header" },
        });
        c.header("WWW-Authenticate", 'Bearer realm="selrec"');
        httpError(401, "invalid or revoked token");
      }
      c.set("principal", p);
      c.set("via", "bearer");
      return await next();
    }
    const cookie = getCookie(c, auth.cookieName);
    if (cookie) {
      const resolved = await auth.sessions.resolve(cookie);
      const directory = auth.authenticator.directory;
      if (
        resolved && resolved.user.source === "ldap" &&
        (!directory || directory.isDue(resolved.user))
      ) {
        // A directory user's grant is re-checked when due; without an answer the session
        // ends (fail closed), it never goes on with the old grant.
        const outcome = directory
          ? await directory.recheck(resolved.user, clientIp(c))
          : "unavailable";
        if (outcome !== "ok") {
          await auth.sessions.destroy(cookie);
          const ended = outcome === "denied" ? "revoked" : "directory";
          if (c.req.method === "GET" && wantsHtml(c)) {
            return c.redirect(`/sign-in?ended=${ended}`, 303);
          }
          httpError(
            401,
            ended === "revoked"
              ? "session ended: the directory no longer grants access"
              : "session ended: the directory could not be reached to re-check access",
          );
        }
        const user = await findUserById(svc.store.db, resolved.user.id);
        if (user) resolved.user = user;
      }
      if (resolved) {
        c.set("principal", await principalForUser(svc.store.db, resolved.user));
        c.set("session", { id: resolved.session.id, csrfToken: resolved.session.csrf_token });
        c.set("via", "session");
      }
    }
    await next();
  };
}

function wantsHtml(c: Context<AppEnv>): boolean {
  return !c.req.path.startsWith("/api/") && (c.req.header("Accept") ?? "").includes("text/html");
}

/** Middleware: signed-in users only (browsers are sent to the sign-in page). */
export function requireUser(): MiddlewareHandler<AppEnv> {
  return async function requireSignedIn(c, next) {
    if (!c.get("principal")) {
      if (c.req.method === "GET" && wantsHtml(c)) {
        return c.redirect(`/sign-in?next=${encodeURIComponent(c.req.path)}`, 303);
      }
      httpError(401, "sign in first");
    }
    await next();
  };
}

/**
 * Audits a refusal that costs the sender nothing (a bad bearer token, a CSRF refusal)
 * with the request's address, method and path. Rows are bounded per action and address
 * by the app's RefusalLimiter; a written row carries the count left out before it
 * (`details.suppressed`).
 */
export async function auditRefusal(
  c: Context<AppEnv>,
  entry: Omit<AuditInput, "ip">,
): Promise<void> {
  const ip = clientIp(c);
  const admit = c.get("auth").refusals.admit(`${entry.action}:${ip}`);
  if (!admit.write) return;
  await c.get("services").audit.append({
    ...entry,
    ip,
    details: {
      ...entry.details,
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      suppressed: admit.suppressed,
    },
  });
}

/**
 * Audits a refused request of a signed-in principal (`access.denied`, outcome `denied`):
 * a permission its role lacks, or a recording outside its scope (`recordingId`).
 */
export async function auditDenied(
  c: Context<AppEnv>,
  permission: Permission,
  recordingId: string | null = null,
): Promise<void> {
  const p = c.get("principal");
  if (!p) return;
  await c.get("services").audit.append({
    actor: { type: p.kind === "token" ? "token" : "user", id: p.id, name: p.name },
    action: "access.denied",
    outcome: "denied",
    target: recordingId === null ? null : { type: "recording", id: recordingId },
    recordingId,
    ip: clientIp(c),
    details: { permission, method: c.req.method, path: c.req.path },
  });
}

/**
 * Middleware: the principal must hold `permission` (a refusal is audited). `notFound` answers 404 instead of
 * 403, for resources whose existence must not leak.
 */
export function requirePermission(
  permission: Permission,
  options: { notFound?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async function requireGrant(c, next) {
    const p = c.get("principal");
    if (!p) {
      if (c.req.method === "GET" && wantsHtml(c)) {
        return c.redirect(`/sign-in?next=${encodeURIComponent(c.req.path)}`, 303);
      }
      httpError(401, "sign in first");
    }
    if (!p.permissions.has(permission)) {
      await auditDenied(c, permission);
      options.notFound ? httpError(404, "not found") : httpError(403, "not permitted");
    }
    await next();
  };
}
