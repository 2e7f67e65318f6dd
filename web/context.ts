/** Typed services and the signed-in principal, reached through Hono context variables. */
import type { Config } from "../src/config.ts";
import type { Logger } from "../src/log.ts";
import type { Health } from "../src/service.ts";
import type { Store } from "../src/store/db.ts";
import type { ReadPool } from "../src/store/read_pool.ts";
import type { AuditLog } from "../src/audit/audit_log.ts";
import type { Metrics } from "../src/metrics.ts";
import type { CallControl } from "../src/call_control.ts";
import type { RulesService } from "../src/rules/mod.ts";
import type { AccessScope } from "../src/auth/access.ts";
import type { Authenticator } from "../src/auth/sign_in.ts";
import type { SessionStore } from "../src/auth/session.ts";
import type { Principal } from "../src/auth/principal.ts";
import type { RefusalLimiter } from "../src/audit/refusal_limiter.ts";
import type { Directory } from "../src/auth/directory.ts";
import type { Keyring } from "../src/seal/keyring.ts";
import type { IntegrityReadCounts } from "../src/archive/integrity_reads.ts";
import type { OidcProvider } from "../src/auth/oidc_client.ts";
import type { OidcAccess } from "../src/auth/oidc_access.ts";

export type { Principal };

/**
 * The services the routes call. The composition root builds it from the running box;
 * route tests build it from a real store and audit log. Optional parts are absent when
 * nothing runs them (no recorder in route tests, no rules in record-all mode).
 */
export interface WebServices {
  /**
   * The config slices routes read: HTTP limits, auth policy, the rules dir and salt, how
   * long API decisions bind, the reason codes of actions and pauses.
   */
  config: Pick<Config, "http" | "auth" | "rules" | "dataDir" | "decisions" | "web"> & {
    recorder: Pick<Config["recorder"], "pauseReasonCodes">;
  };
  store: Pick<Store, "db" | "raw" | "path">;
  audit: AuditLog;
  log: Logger;
  /** Collectors behind `GET /metrics`. */
  metrics: Pick<Metrics, "collect">;
  /** The box's health, for `/healthz` and the system page. */
  health(): Health;
  /** Read-only connections in workers for heavy reads (search). */
  reads?: ReadPool;
  /** Live call control, when the recorder runs. */
  callControl?: CallControl;
  /** The hot-reloading rules, unless `recorder.recordAll`. */
  rules?: Pick<RulesService, "current">;
  /** The directory users sign in with (`auth.ldap`). */
  directory?: Directory;
  /** Data keys of sealed recordings (encryption at rest), when the box has a keyring. */
  keyring?: Pick<Keyring, "unwrapFor">;
  /** Counts reads refused for failing the integrity check (`/metrics`). */
  integrityReads?: Pick<IntegrityReadCounts, "count">;
  /** The OpenID provider of single sign-on (`auth.oidc`). */
  oidc?: OidcProvider;
}

/** The auth services of one web app instance. */
export interface WebAuth {
  sessions: SessionStore;
  authenticator: Authenticator;
  /** `__Host-selrec` under TLS, `selrec_session` over plain HTTP. */
  cookieName: string;
  tls: boolean;
  /** Which recording visibility checks apply (config `auth.scope`). */
  scope: AccessScope;
  /** Bounds audit rows of cheap refusals (bad tokens, CSRF, throttled sign-ins). */
  refusals: RefusalLimiter;
  now: () => number;
  /** Single sign-on, when `auth.oidc` is set. */
  oidc?: OidcAccess;
}

/** The Hono environment of every selrec route. */
export interface AppEnv {
  Bindings: { info?: { remoteAddr?: { hostname?: string } } };
  Variables: {
    services: WebServices;
    auth: WebAuth;
    principal?: Principal;
    /** Session id (hashed) and CSRF token when signed in through the UI. */
    session?: { id: string; csrfToken: string };
    /** How the principal authenticated. */
    via?: "session" | "bearer";
  };
}
