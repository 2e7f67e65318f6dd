/** Typed services and the signed-in principal, reached through Hono context variables. */
import type { App } from "../src/app.ts";
import type { Permission } from "../src/auth/permissions.ts";

/** Who is making the request: a signed-in user or an API token. */
export interface Principal {
  kind: "user" | "token";
  /** users.id, or api_tokens.id for tokens. */
  id: number;
  name: string;
  role: string | null;
  permissions: ReadonlySet<Permission>;
  /** Partitions the principal may see; `*` means all. */
  partitions: readonly string[];
  /** Materialized org path (`/1/4/`) of the user's unit, null when none. */
  orgPath: string | null;
  /** The agent id this principal is (agents), for own-recording and own-call checks. */
  agentId: string | null;
  /** Token scopes (tokens only). */
  scopes?: readonly string[];
}

/** The Hono environment of every selrec route. */
export interface AppEnv {
  Variables: {
    app: App;
    principal?: Principal;
    /** Session id (hashed) and CSRF token when signed in through the UI. */
    session?: { id: string; csrfToken: string };
  };
}
