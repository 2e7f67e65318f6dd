/**
 * OidcAccess over a real migrated store and audit log, with a scripted provider (the
 * protocol itself is tested against oidc-provider in tests/integration/oidc_sign_in_test.ts):
 * the flow binding (cookie, state, single use), users from claims, names that are not the
 * provider's to take, a lost group ending live sessions, amr, the provider down.
 */
import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../store/db.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { nullLogger } from "../log.ts";
import { addUser } from "../store/queries/users.ts";
import { SessionStore } from "./session.ts";
import { OidcAccess } from "./oidc_access.ts";
import { type OidcProvider, OidcRefused, type OidcResult, OidcUnavailable } from "./oidc_client.ts";
import type { PendingFlow } from "./oidc_flows.ts";
import type { Claims } from "./oidc_claims.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };
const META = { ip: "10.0.0.9", userAgent: "test" };

class ScriptedProvider implements OidcProvider {
  readonly name = "Test IdP";
  claims: Claims = {};
  fail: Error | null = null;
  finished = 0;
  authorizationUrl(flow: PendingFlow): Promise<URL> {
    return Promise.resolve(new URL(`https://idp.test/auth?state=${flow.state}`));
  }
  finish(_params: URLSearchParams, flow: PendingFlow): Promise<OidcResult> {
    this.finished++;
    if (this.fail) return Promise.reject(this.fail);
    return Promise.resolve({ claims: { nonce: flow.nonce, ...this.claims }, idToken: "id.tok.en" });
  }
  endSessionUrl(idToken: string | null): Promise<URL | null> {
    return Promise.resolve(new URL(`https://idp.test/logout?id_token_hint=${idToken}`));
  }
}

async function setUp(requireAmr: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "selrec-oidc-" });
  const store: Store = openStore(`${dir}/t.db`);
  await migrate(store.db);
  const provider = new ScriptedProvider();
  const sessions = new SessionStore(store.db, { idleMs: 60_000, absoluteMs: 3_600_000 });
  const access = new OidcAccess({
    db: store.db,
    audit: new AuditLog(store.db),
    log: nullLogger,
    provider,
    sessions,
    config: {
      usernameClaim: "preferred_username",
      displayNameClaim: "name",
      groupsClaim: "groups",
      requireAmr,
      acrValues: [],
      mappings: [{ group: "sup", role: "supervisor", partitions: ["sales"] }],
    },
  });
  return {
    store,
    provider,
    sessions,
    access,
    /** Starts a flow and comes back from the provider with its state. */
    async signIn() {
      const { flowId, url } = await access.begin("/recordings");
      return await access.complete(flowId, url.searchParams, META);
    },
    audit: (action: string) =>
      store.raw.prepare(
        "SELECT outcome, actor_name, details FROM audit_events WHERE action = ? ORDER BY seq",
      ).all(action).map((r) => ({
        outcome: String(r.outcome),
        actor: r.actor_name as string | null,
        details: JSON.parse(String(r.details)),
      })),
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("the callback needs the browser's flow and its state, once", SAN, async () => {
  await using t = await setUp();
  t.provider.claims = { sub: "s1", preferred_username: "sue", groups: ["sup"] };
  const none = await t.access.complete(null, new URLSearchParams("state=x&code=y"), META);
  assert.deepEqual(none, { kind: "refused", why: "no sign-in in progress in this browser" });
  const { flowId, url } = await t.access.begin("/");
  const forged = new URLSearchParams({ state: "forged", code: "c" });
  assert.deepEqual(await t.access.complete(flowId, forged, META), {
    kind: "refused",
    why: "state mismatch",
  });
  // The flow was used up by the refused attempt: the real state does not revive it.
  const again = await t.access.complete(flowId, url.searchParams, META);
  assert.equal(again.kind, "refused");
  assert.equal(t.provider.finished, 0, "the provider was never asked to redeem a code");
  assert.deepEqual(t.audit("auth.sign_in").map((a) => [a.outcome, a.details.why]), [
    ["failed", "no sign-in in progress in this browser"],
    ["failed", "state mismatch"],
    ["failed", "no sign-in in progress in this browser"],
  ]);
});

Deno.test(
  "a granted sign-in creates the user, a session and keeps the ID token for logout",
  SAN,
  async () => {
    await using t = await setUp();
    t.provider.claims = { sub: "s1", preferred_username: "sue", name: "Sue", groups: ["SUP"] };
    const out = await t.signIn();
    assert.equal(out.kind, "granted");
    if (out.kind !== "granted") return;
    assert.equal(out.next, "/recordings");
    assert.equal(out.user.source, "oidc");
    assert.equal(out.user.directory_dn, "s1");
    assert.equal(out.user.role, "supervisor");
    assert.ok(await t.sessions.resolve(out.session.token));
    const logout = await t.access.logoutUrl(out.session.id);
    assert.equal(logout?.searchParams.get("id_token_hint"), "id.tok.en");
    assert.equal(await t.access.logoutUrl("not-a-session"), null);
    const [grant] = t.audit("auth.directory_grant");
    assert.equal(grant.details.claim, "groups");
    assert.deepEqual(grant.details.sources, [
      { claim: "groups", group: "sup", role: "supervisor", partitions: ["sales"] },
    ]);
    // Ending the session removes its ID token with it.
    await t.sessions.destroy(out.session.token);
    assert.equal(await t.access.logoutUrl(out.session.id), null);
  },
);

Deno.test("the provider cannot take a local user's name or another subject's", SAN, async () => {
  await using t = await setUp();
  await addUser(t.store.db, { username: "admin", passwordHash: "x", role: "admin" });
  t.provider.claims = { sub: "evil", preferred_username: "admin", groups: ["sup"] };
  assert.equal((await t.signIn()).kind, "denied");
  const admin = t.store.raw.prepare("SELECT role, source FROM users WHERE username = 'admin'")
    .get();
  assert.deepEqual({ ...admin }, { role: "admin", source: "local" });
  t.provider.claims = { sub: "s1", preferred_username: "sue", groups: ["sup"] };
  assert.equal((await t.signIn()).kind, "granted");
  t.provider.claims = { sub: "s2", preferred_username: "sue", groups: ["sup"] };
  const other = await t.signIn();
  assert.deepEqual(other, {
    kind: "denied",
    why: "your account at the provider cannot be used here",
  });
});

Deno.test(
  "a user out of every mapped group is denied and their live sessions end",
  SAN,
  async () => {
    await using t = await setUp();
    t.provider.claims = { sub: "s1", preferred_username: "sue", groups: ["sup"] };
    const first = await t.signIn();
    assert.equal(first.kind, "granted");
    if (first.kind !== "granted") return;
    t.provider.claims = { sub: "s1", preferred_username: "sue", groups: ["other"] };
    assert.equal((await t.signIn()).kind, "denied");
    assert.equal(await t.sessions.resolve(first.session.token), null);
    const denied = t.audit("auth.directory_grant").filter((a) => a.outcome === "denied");
    assert.equal(denied[0].details.why, "in no mapped group");
  },
);

Deno.test(
  "requireAmr refuses a sign-in the provider did without a second factor",
  SAN,
  async () => {
    await using t = await setUp(["mfa", "otp"]);
    t.provider.claims = { sub: "s1", preferred_username: "sue", groups: ["sup"], amr: ["pwd"] };
    const out = await t.signIn();
    assert.equal(out.kind, "denied");
    t.provider.claims = { ...t.provider.claims, amr: ["pwd", "otp"] };
    assert.equal((await t.signIn()).kind, "granted");
  },
);

Deno.test(
  "a refused answer and an unreachable provider are told apart and audited",
  SAN,
  async () => {
    await using t = await setUp();
    t.provider.fail = new OidcRefused("OAUTH_JWT_CLAIM_COMPARISON_FAILED (claim nonce)");
    assert.deepEqual(await t.signIn(), {
      kind: "refused",
      why: "OAUTH_JWT_CLAIM_COMPARISON_FAILED (claim nonce)",
    });
    t.provider.fail = new OidcUnavailable("connection refused");
    assert.equal((await t.signIn()).kind, "unavailable");
    assert.deepEqual(t.audit("auth.sign_in").map((a) => a.details.why), [
      "OAUTH_JWT_CLAIM_COMPARISON_FAILED (claim nonce)",
      "provider unavailable",
    ]);
  },
);
