/**
 * Single sign-on through an OpenID provider, after the protocol: the flow's state is
 * checked, the provider's answer validated ({@link OidcProvider.finish}), the claims
 * turned into a grant exactly as LDAP groups are ({@link grantFromClaims}), the user
 * created or updated (`users.source = 'oidc'`, the `sub` in `directory_dn`), and a session
 * issued with the ID token kept for logout. Audited: `auth.sign_in` (via oidc, success or
 * why it failed) and `auth.directory_grant` (what was granted, from which claim value).
 *
 * MFA: a single sign-on user's second factor is the provider's job; selrec asks for no
 * TOTP of them. `auth.oidc.requireAmr` / `acrValues` make selrec refuse sign-ins the
 * provider reports as done without it.
 */
import type { Db } from "../store/db.ts";
import type { User } from "../store/schema/users.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import { DirectoryUserError, upsertDirectoryUser } from "../store/queries/user_directory.ts";
import { denyDirectoryUser } from "../store/queries/user_directory.ts";
import { findOrgUnitByNames } from "../store/queries/org_units.ts";
import { findUser } from "../store/queries/users.ts";
import { findOidcIdToken, insertOidcSession } from "../store/queries/oidc_sessions.ts";
import type { IssuedSession, SessionStore } from "./session.ts";
import { orgUnitNames } from "./directory_grant.ts";
import {
  authContextProblem,
  type ClaimGrant,
  type Claims,
  grantFromClaims,
  identityFromClaims,
} from "./oidc_claims.ts";
import type { OidcConfig } from "./oidc_config.ts";
import { OidcFlows } from "./oidc_flows.ts";
import { type OidcProvider, OidcRefused, OidcUnavailable } from "./oidc_client.ts";

/** The outcome of a callback. */
export type OidcOutcome =
  | { kind: "granted"; user: User; session: IssuedSession; next: string }
  | { kind: "refused"; why: string }
  | { kind: "denied"; why: string }
  | { kind: "unavailable"; message: string };

/** Settings and collaborators of {@link OidcAccess}. */
export interface OidcAccessOptions {
  db: Db;
  audit: AuditLog;
  log: Logger;
  provider: OidcProvider;
  config: Pick<
    OidcConfig,
    "mappings" | "usernameClaim" | "displayNameClaim" | "groupsClaim" | "requireAmr" | "acrValues"
  >;
  sessions: SessionStore;
  now?: () => number;
}

type Meta = { ip: string; userAgent: string | null };

/** Starts single sign-on flows and completes them into sessions. */
export class OidcAccess {
  #o: OidcAccessOptions;
  #now: () => number;
  /** Pending flows (state, nonce, PKCE verifier) by the flow cookie's value. */
  readonly flows: OidcFlows;

  constructor(options: OidcAccessOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.flows = new OidcFlows(this.#now);
  }

  /** The provider's name for the sign-in button. */
  get name(): string {
    return this.#o.provider.name;
  }

  /** Starts a flow; the flow id goes in the cookie, the browser to `url`. */
  async begin(next: string): Promise<{ flowId: string; url: URL }> {
    const { id, flow } = this.flows.start(next);
    return { flowId: id, url: await this.#o.provider.authorizationUrl(flow) };
  }

  /** Completes the flow `flowId` (from the cookie) with the callback's `params`. */
  async complete(flowId: string | null, params: URLSearchParams, meta: Meta): Promise<OidcOutcome> {
    const flow = flowId ? this.flows.take(flowId) : null;
    if (!flow) return await this.#refuse(meta, "no sign-in in progress in this browser");
    // openid-client checks it too; checked here first so the refusal says what it was.
    if (params.get("state") !== flow.state) return await this.#refuse(meta, "state mismatch");
    let claims: Claims, idToken: string;
    try {
      ({ claims, idToken } = await this.#o.provider.finish(params, flow));
    } catch (err) {
      if (err instanceof OidcRefused) return await this.#refuse(meta, err.message);
      if (!(err instanceof OidcUnavailable)) throw err;
      this.#o.log.warn("single sign-on failed: provider unavailable", { error: err.message });
      await this.#auditSignIn(meta, null, "failed", {
        why: "provider unavailable",
        error: err.message,
      });
      return { kind: "unavailable", message: err.message };
    }
    const context = authContextProblem(claims, this.#o.config.requireAmr, this.#o.config.acrValues);
    if (context) return await this.#refuse(meta, context, "denied");
    const id = identityFromClaims(claims, this.#o.config);
    if (!id.ok) return await this.#refuse(meta, id.why, "denied");
    const { identity } = id;
    const grant = grantFromClaims(identity, this.#o.config.groupsClaim, this.#o.config.mappings);
    if (!grant) {
      await this.#deny(identity.username, identity.subject, meta, "in no mapped group");
      return { kind: "denied", why: "your account at the provider is in no group that has access" };
    }
    try {
      const out = await this.#grant(
        identity.username,
        identity.subject,
        identity.displayName,
        grant,
        idToken,
        claims,
        meta,
      );
      if (!out) return { kind: "denied", why: "your account is disabled here" };
      return { kind: "granted", ...out, next: flow.next };
    } catch (err) {
      if (!(err instanceof DirectoryUserError)) throw err;
      this.#o.log.error("single sign-on grant refused", {
        username: identity.username,
        error: err.message,
      });
      await this.#deny(identity.username, identity.subject, meta, err.message);
      return { kind: "denied", why: "your account at the provider cannot be used here" };
    }
  }

  /** The provider's end-session URL for the session `sessionId`, or null when not SSO. */
  async logoutUrl(sessionId: string): Promise<URL | null> {
    const idToken = await findOidcIdToken(this.#o.db, sessionId);
    if (idToken === null) return null;
    return await this.#o.provider.endSessionUrl(idToken);
  }

  async #grant(
    username: string,
    subject: string,
    displayName: string | null,
    grant: ClaimGrant,
    idToken: string,
    claims: Claims,
    meta: Meta,
  ): Promise<{ user: User; session: IssuedSession } | null> {
    const orgUnitId = grant.orgUnit === null
      ? null
      : await findOrgUnitByNames(this.#o.db, orgUnitNames(grant.orgUnit));
    if (grant.orgUnit !== null && orgUnitId === null) {
      this.#o.log.warn("auth.oidc mapping names an org unit that does not exist", {
        orgUnit: grant.orgUnit,
      });
    }
    const now = new Date(this.#now()).toISOString();
    return await this.#o.db.transaction().execute(async (tx) => {
      const { user, created } = await upsertDirectoryUser(tx, {
        username,
        dn: subject,
        displayName,
        role: grant.role,
        partitions: grant.partitions,
        orgUnitId,
        source: "oidc",
      }, now);
      const actor = { type: "user" as const, id: user.id, name: username };
      await this.#o.audit.append({
        actor,
        action: "auth.directory_grant",
        target: { type: "user", id: String(user.id) },
        ip: meta.ip,
        details: {
          via: "oidc",
          when: "sign-in",
          created,
          sub: subject,
          claim: grant.claim,
          role: grant.role,
          partitions: grant.partitions,
          orgUnit: grant.orgUnit,
          orgUnitId,
          sources: grant.sources.map((s) => ({ claim: grant.claim, ...s })),
        },
      }, tx);
      if (user.disabled === 1) {
        await this.#o.audit.append({
          actor,
          action: "auth.sign_in",
          outcome: "failed",
          ip: meta.ip,
          details: { via: "oidc", why: "disabled" },
        }, tx);
        return null;
      }
      const session = await this.#o.sessions.create(user.id, meta, tx);
      await insertOidcSession(tx, session.id, idToken, now);
      await this.#o.audit.append({
        actor,
        action: "auth.sign_in",
        ip: meta.ip,
        details: { via: "oidc", mfa: "provider", amr: claims.amr ?? null, acr: claims.acr ?? null },
      }, tx);
      return { user, session };
    });
  }

  async #deny(username: string, subject: string, meta: Meta, why: string): Promise<void> {
    const existing = await findUser(this.#o.db, username);
    await this.#o.db.transaction().execute(async (tx) => {
      if (existing?.source === "oidc" && existing.directory_dn === subject) {
        await denyDirectoryUser(tx, existing.id, new Date(this.#now()).toISOString());
      }
      await this.#o.audit.append({
        actor: { type: "user", name: username.slice(0, 100) },
        action: "auth.directory_grant",
        outcome: "denied",
        target: existing ? { type: "user", id: String(existing.id) } : null,
        ip: meta.ip,
        details: { via: "oidc", when: "sign-in", sub: subject, why },
      }, tx);
    });
  }

  async #refuse(
    meta: Meta,
    why: string,
    kind: "refused" | "denied" = "refused",
  ): Promise<OidcOutcome> {
    await this.#auditSignIn(meta, null, kind === "refused" ? "failed" : "denied", {
      why: why.slice(0, 300),
    });
    return { kind, why };
  }

  async #auditSignIn(
    meta: Meta,
    user: User | null,
    outcome: "failed" | "denied",
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#o.audit.append({
      actor: { type: "user", id: user?.id ?? null, name: user?.username ?? null },
      action: "auth.sign_in",
      outcome,
      ip: meta.ip,
      details: { via: "oidc", ...details },
    });
  }
}
