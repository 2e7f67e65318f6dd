/** Typed services and the signed-in principal, reached through Hono context variables. */
import type { App } from "../src/app.ts";
import type { AccessScope } from "../src/auth/access.ts";
import type { Authenticator } from "../src/auth/sign_in.ts";
import type { SessionStore } from "../src/auth/session.ts";
import type { Principal } from "../src/auth/principal.ts";
import type { RefusalLimiter } from "../src/audit/refusal_limiter.ts";

export type { Principal };

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
}

/** The Hono environment of every selrec route. */
export interface AppEnv {
  Bindings: { info?: { remoteAddr?: { hostname?: string } } };
  Variables: {
    app: App;
    auth: WebAuth;
    principal?: Principal;
    /** Session id (hashed) and CSRF token when signed in through the UI. */
    session?: { id: string; csrfToken: string };
    /** How the principal authenticated. */
    via?: "session" | "bearer";
  };
}
