/** The Hono app factory: one sub-app per resource, one error handler. */
import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv, WebAuth, WebServices } from "./context.ts";
import { healthRoutes } from "./routes/health.ts";
import { parseDuration } from "../src/duration.ts";
import { sessionCookieName, SessionStore } from "../src/auth/session.ts";
import { LoginGuard, type LoginGuardOptions } from "../src/auth/login_guard.ts";
import { Authenticator } from "../src/auth/sign_in.ts";
import { DirectoryAccess } from "../src/auth/directory_access.ts";
import { OidcAccess } from "../src/auth/oidc_access.ts";
import { RefusalLimiter } from "../src/audit/refusal_limiter.ts";
import { securityHeaders } from "./middleware/security_headers.ts";
import { bodyLimits } from "./middleware/body_limit.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { csrfProtection } from "./middleware/csrf.ts";
import { authRoutes } from "./routes/auth.tsx";
import { oidcRoutes } from "./routes/oidc.tsx";
import { staticRoutes } from "./routes/static.ts";
import { recordingRoutes } from "./routes/recordings.tsx";
import { recordingMediaRoutes } from "./routes/recording_media.ts";
import { recordingActionRoutes } from "./routes/recording_actions.ts";
import { callApiRoutes, callRoutes } from "./routes/calls.tsx";
import { adminRoutes } from "./routes/admin.tsx";
import { decisionRoutes } from "./routes/decisions.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { accountRoutes, requirePasswordChange } from "./routes/account.tsx";
import { mfaRoutes, requireMfaEnrolment } from "./routes/mfa.tsx";
import { auditRoutes } from "./routes/audit.tsx";
import { reportRoutes } from "./routes/reports.tsx";
import { errorPage } from "./views/error_page.tsx";

/** Test and deployment knobs for {@link newApp}. */
export interface WebOptions {
  /** Clock for sessions, lockout and throttling (ms since epoch). */
  now?: () => number;
  guard?: LoginGuardOptions;
  /** Precomputed hash checked for unknown users (tests pass a cheap one). */
  dummyHash?: string;
}

function webAuth(services: WebServices, o: WebOptions): WebAuth {
  const now = o.now ?? Date.now;
  const tls = services.config.http.tls !== undefined;
  const sessions = new SessionStore(services.store.db, {
    idleMs: parseDuration(services.config.auth.sessionIdle),
    absoluteMs: parseDuration(services.config.auth.sessionAbsolute),
    now,
  });
  const refusals = new RefusalLimiter({ now });
  const ldap = services.config.auth.ldap;
  const directory = ldap && services.directory
    ? new DirectoryAccess({
      db: services.store.db,
      audit: services.audit,
      log: services.log,
      directory: services.directory,
      mappings: ldap.mappings,
      recheckMs: ldap.recheckMinutes * 60_000,
      now,
    })
    : undefined;
  const authenticator = new Authenticator({
    db: services.store.db,
    audit: services.audit,
    sessions,
    guard: new LoginGuard({ now, ...o.guard }),
    threshold: services.config.auth.lockoutThreshold,
    lockoutMs: parseDuration(services.config.auth.lockoutDuration),
    now,
    dummyHash: o.dummyHash,
    refusals,
    directory,
  });
  return {
    sessions,
    authenticator,
    cookieName: sessionCookieName(tls),
    tls,
    scope: services.config.auth.scope,
    refusals,
    now,
    oidc: services.config.auth.oidc && services.oidc
      ? new OidcAccess({
        db: services.store.db,
        audit: services.audit,
        log: services.log,
        provider: services.oidc,
        config: services.config.auth.oidc,
        sessions,
        now,
      })
      : undefined,
  };
}

function wantsHtml(c: Context<AppEnv>): boolean {
  return !c.req.path.startsWith("/api/") && (c.req.header("Accept") ?? "").includes("text/html");
}

/** Rule id → target record share (%) of the loaded rules, for the selective-ratio report. */
function ruleTargets(services: WebServices): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of services.rules?.current().rules ?? []) {
    if (r.then.record) out[r.id] = r.sample ?? 100;
  }
  return out;
}

/** Builds the web app over the services it calls. */
export function newApp(services: WebServices, options: WebOptions = {}): Hono<AppEnv> {
  const web = new Hono<AppEnv>();
  const auth = webAuth(services, options);
  web.use(securityHeaders({ tls: auth.tls }));
  web.use(bodyLimits({ apiBytes: services.config.http.maxApiBodyBytes }));
  web.use(async function provideServices(c, next) {
    c.set("services", services);
    c.set("auth", auth);
    await next();
  });
  web.route("/healthz", healthRoutes());
  web.route("/static", staticRoutes());
  web.use(authenticate());
  web.use(csrfProtection());
  web.use(requirePasswordChange());
  web.use(requireMfaEnrolment());
  web.get("/", (c) => {
    const p = c.get("principal");
    if (!p) return c.redirect("/sign-in", 303);
    if (p.permissions.has("recording.search")) return c.redirect("/recordings", 303);
    if (p.permissions.has("pause.own")) return c.redirect("/agent", 303);
    if (p.permissions.has("users.manage")) return c.redirect("/admin/users", 303);
    return c.redirect("/calls", 303);
  });
  web.route("/", authRoutes());
  web.route("/auth/oidc", oidcRoutes());
  web.route("/", accountRoutes());
  web.route("/", mfaRoutes());
  web.route("/recordings", recordingMediaRoutes());
  web.route("/recordings", recordingActionRoutes());
  web.route("/recordings", recordingRoutes());
  web.route("/", callRoutes());
  web.route("/api/v1/calls", callApiRoutes());
  web.route("/api/v1/decisions", decisionRoutes());
  web.route("/metrics", metricsRoutes());
  web.route("/admin", adminRoutes());
  web.route("/audit", auditRoutes());
  web.route("/reports", reportRoutes({ targets: () => ruleTargets(services) }));
  web.onError((err, c) => {
    const status = err instanceof HTTPException ? err.status : 500;
    const message = err instanceof HTTPException ? err.message : "internal error";
    if (!(err instanceof HTTPException)) {
      services.log.error("unhandled web error", { path: c.req.path, error: err });
    }
    if (err instanceof HTTPException && err.res) {
      for (const [k, v] of err.res.headers) c.header(k, v);
    }
    if (wantsHtml(c)) return c.html(errorPage(c, status, message), status);
    return c.json({ error: message }, status);
  });
  web.notFound((c) =>
    wantsHtml(c) ? c.html(errorPage(c, 404, "not found"), 404) : c.json({ error: "not found" }, 404)
  );
  return web;
}
