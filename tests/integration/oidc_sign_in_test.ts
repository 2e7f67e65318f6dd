/**
 * Single sign-on against a real OpenID provider (npm `oidc-provider` over HTTPS with the
 * test's CA, PKCE required) and the real `selrec serve`, driven in Chromium:
 * - the "Sign in with …" button, the provider's login and consent pages, back signed in
 *   with the role, partitions and org unit mapped from the `groups` claim (audited with
 *   the claim values); an SSO admin is not sent to TOTP enrolment (the provider's job);
 * - a tampered `state` and a tampered `nonce` (the provider issues a real code for the
 *   same PKCE challenge, so only the nonce check can refuse it) are refused, no session;
 * - a user in no mapped group is denied; the local break-glass admin still signs in;
 * - sign-out ends the box session and goes through the provider's end-session endpoint
 *   with id_token_hint, back to /sign-in; the provider then asks for a login again;
 * - the provider's signing key rotates: the box re-reads the JWKS for the unknown `kid`
 *   (and used its cached keys before).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../helpers/browser.ts";
import { ROOT, startServer, type TestServer } from "../helpers/server.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { query } from "../helpers/db.ts";
import { startTestIdp, type TestIdp } from "../helpers/oidc_provider.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";

const SECRET = "oidc-client-secret-0123456789abcdef";

function configYaml(idp: TestIdp, httpPort: number, secretFile: string): string {
  return `auth:
  oidc:
    name: Test IdP
    issuer: ${idp.issuer}
    clientId: selrec
    clientSecretFile: ${secretFile}
    caFile: ${idp.certs.ca}
    redirectUri: http://127.0.0.1:${httpPort}/auth/oidc/callback
    scopes: [openid, profile, groups]
    jwksCooldownSeconds: 0
    mappings:
      - { group: /recorder-admins, role: admin, partitions: ["*"] }
      - { group: Sales Supervisors, role: supervisor, partitions: [sales], orgUnit: Organization/Sales }
      - { group: pci, partitions: [pci] }
`;
}

/** Clicks the SSO button on the box's sign-in page; returns at the provider's login page. */
async function startSso(page: Page, server: TestServer, screenshot?: string): Promise<void> {
  await page.goto(`${server.httpUrl}/sign-in`);
  if (screenshot) {
    await Deno.mkdir(`${ROOT}tests/_artifacts`, { recursive: true });
    await page.screenshot({ path: `${ROOT}tests/_artifacts/${screenshot}` });
  }
  await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
  await page.waitForSelector('input[name="login"]');
}

/** Logs in at the provider and consents; returns once back at the box. */
async function idpLogin(page: Page, server: TestServer, login: string): Promise<void> {
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "any password");
  await page.click("button.login-submit");
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
  await page.click("button.login-submit");
  await page.waitForURL((u) => u.href.startsWith(server.httpUrl), { timeout: 15_000 });
  await page.waitForLoadState("networkidle");
}

/**
 * Rewrites one parameter of the authorization request on its way to the provider (in the
 * box's redirect: Playwright does not route the redirected request itself).
 */
async function tamper(ctx: BrowserContext, param: string, value: string) {
  await ctx.route((u) => u.pathname === "/auth/oidc/start", async (route) => {
    const res = await route.fetch({ maxRedirects: 0 });
    const location = new URL(res.headers()["location"]);
    location.searchParams.set(param, value);
    await route.fulfill({ response: res, headers: { ...res.headers(), location: location.href } });
  });
}

/** The error shown on the page (fails with the page's URL and text when there is none). */
async function errorText(page: Page): Promise<string> {
  try {
    return await page.locator("p.error").innerText({ timeout: 10_000 });
  } catch {
    throw new Error(`no error on ${page.url()}: ${(await page.content()).slice(0, 2000)}`);
  }
}

function auditDetails(db: string, action: string, outcome = "ok") {
  return query<{ actor_name: string | null; details: string }>(
    db,
    "SELECT actor_name, details FROM audit_events WHERE action = ? AND outcome = ? ORDER BY seq",
    action,
    outcome,
  ).map((r) => ({ actor: r.actor_name, ...JSON.parse(r.details ?? "{}") }));
}

function sessionCount(db: string, username: string): number {
  return query<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)",
    username,
  )[0].n;
}

Deno.test({
  name: "single sign-on through oidc-provider in Chromium: claims, state, nonce, keys, logout",
  sanitizeOps: false, // the provider's node:https server runs in this process
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-oidc-it-" });
    const httpPort = freeTcpPort();
    const box = `http://127.0.0.1:${httpPort}`;
    await using idp = await startTestIdp({
      clientId: "selrec",
      clientSecret: SECRET,
      redirectUri: `${box}/auth/oidc/callback`,
      postLogoutRedirectUri: `${box}/sign-in`,
      accounts: {
        sue: {
          preferred_username: "sue",
          name: "Sue Supervisor",
          groups: ["Sales Supervisors", "pci"],
        },
        alice: { preferred_username: "alice", name: "Alice Admin", groups: ["/recorder-admins"] },
        bob: { preferred_username: "bob", groups: ["unrelated"] },
      },
    });
    const secretFile = join(dir, "oidc.secret");
    await Deno.writeTextFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    await Deno.writeTextFile(join(dir, "selrec.yaml"), configYaml(idp, httpPort, secretFile));
    await Deno.mkdir(join(dir, "data"));
    await using server = await startServer({
      configFile: join(dir, "selrec.yaml"),
      dataDir: join(dir, "data"),
      httpPort,
      env: { SELREC_LOG_LEVEL: "info" },
    });
    const db = join(server.dataDir, "selrec.db");
    {
      await using store = openStore(db);
      const root = query<{ id: number }>(db, "SELECT id FROM org_units WHERE parent_id IS NULL")[0];
      await addOrgUnit(store.db, "Sales", root.id);
    }
    const browser: Browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    const fresh = () => browser.newContext({ ignoreHTTPSErrors: true });
    try {
      // 1. sue signs in through the provider: supervisor in Sales with two partitions.
      const sueCtx = await fresh();
      const sue = await sueCtx.newPage();
      await startSso(sue, server, "oidc_sign_in.png");
      await idpLogin(sue, server, "sue");
      assert.equal(new URL(sue.url()).pathname, "/recordings", await sue.content());
      const row = query<Record<string, unknown>>(
        db,
        `SELECT u.role, u.source, u.directory_dn, u.display_name, o.name AS unit
         FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE username = 'sue'`,
      )[0];
      assert.deepEqual({ ...row }, {
        role: "supervisor",
        source: "oidc",
        directory_dn: "sue", // the provider's sub
        display_name: "Sue Supervisor",
        unit: "Sales",
      });
      const parts = query<{ partition: string }>(
        db,
        "SELECT partition FROM user_partitions WHERE user_id = (SELECT id FROM users WHERE username = 'sue') ORDER BY 1",
      ).map((r) => r.partition);
      assert.deepEqual(parts, ["pci", "sales"]);
      const grant = auditDetails(db, "auth.directory_grant").find((g) => g.actor === "sue");
      assert.equal(grant?.via, "oidc");
      assert.equal(grant?.claim, "groups");
      assert.deepEqual(grant?.sources, [
        {
          claim: "groups",
          group: "Sales Supervisors",
          role: "supervisor",
          partitions: ["sales"],
          orgUnit: "Organization/Sales",
        },
        { claim: "groups", group: "pci", partitions: ["pci"] },
      ]);
      assert.ok(
        auditDetails(db, "auth.sign_in").some((s) => s.actor === "sue" && s.via === "oidc"),
      );
      assert.equal(sessionCount(db, "sue"), 1);
      assert.equal(idp.jwksRequests(), 1);

      // 2. A tampered state comes back from the provider: refused, no session.
      const stateCtx = await fresh();
      await tamper(stateCtx, "state", "tampered-state");
      const st = await stateCtx.newPage();
      await startSso(st, server);
      await idpLogin(st, server, "alice");
      assert.match(await errorText(st), /Sign-in refused: state mismatch/);
      assert.equal(query(db, "SELECT 1 FROM users WHERE username = 'alice'").length, 0);
      assert.equal(
        (await stateCtx.cookies(box)).filter((c) => c.name === "selrec_session").length,
        0,
      );

      // 3. A tampered nonce: the provider issues a real code (same state and PKCE
      //    challenge) whose ID token carries the other nonce; only the nonce check refuses.
      const nonceCtx = await fresh();
      await tamper(nonceCtx, "nonce", "attacker-chosen-nonce");
      const nc = await nonceCtx.newPage();
      await startSso(nc, server);
      await idpLogin(nc, server, "alice");
      assert.match(await errorText(nc), /Sign-in refused: .*nonce/);
      assert.equal(query(db, "SELECT 1 FROM users WHERE username = 'alice'").length, 0);
      const refusals = auditDetails(db, "auth.sign_in", "failed").map((d) => d.why);
      assert.ok(refusals.includes("state mismatch"), JSON.stringify(refusals));
      assert.ok(refusals.some((w) => /nonce/.test(w)), JSON.stringify(refusals));

      // 4. bob is in no mapped group: denied. The break-glass admin signs in locally.
      const bobCtx = await fresh();
      const bob = await bobCtx.newPage();
      await startSso(bob, server);
      await idpLogin(bob, server, "bob");
      assert.match(await errorText(bob), /in no group that has access/);
      assert.ok(auditDetails(db, "auth.directory_grant", "denied").some((d) => d.actor === "bob"));
      const local = await fetch(`${box}/sign-in`, {
        method: "POST",
        redirect: "manual",
        body: new URLSearchParams({ username: "admin", password: server.adminPassword }),
      });
      await local.body?.cancel();
      assert.equal(local.status, 303);
      assert.match(local.headers.get("Set-Cookie") ?? "", /selrec_session=/);
      assert.equal(idp.jwksRequests(), 1, "keys came from the cache");

      // 5. sue signs out: the box session ends, the provider's end-session endpoint gets
      //    the ID token hint and sends the browser back to /sign-in.
      await sue.reload();
      const endSession = sue.waitForRequest((r) => r.url().startsWith(`${idp.issuer}/session/end`));
      await sue.getByRole("button", { name: "Sign out" }).click();
      const end = new URL((await endSession).url());
      assert.ok(end.searchParams.get("id_token_hint"), end.href);
      assert.equal(end.searchParams.get("post_logout_redirect_uri"), `${box}/sign-in`);
      assert.equal(sessionCount(db, "sue"), 0);
      assert.equal(query(db, "SELECT 1 FROM oidc_sessions").length, 0);
      await sue.getByRole("button", { name: "Yes, sign me out" }).click();
      await sue.waitForURL(`${box}/sign-in`);
      await sue.goto(`${box}/recordings`);
      assert.equal(new URL(sue.url()).pathname, "/sign-in");
      // Signed out at the provider too: SSO asks for the login again.
      await startSso(sue, server);
      assert.ok(auditDetails(db, "auth.sign_out").some((d) => d.actor === "sue"));
      assert.ok(!server.output().includes(SECRET), "the client secret is never logged");
      // 6. The provider rotates its signing key: alice (admin) signs in with a token of
      //    an unknown kid, the box re-reads the JWKS; no TOTP enrolment for SSO users.
      await idp.rotateKeys();
      const aliceCtx = await fresh();
      const alice = await aliceCtx.newPage();
      await startSso(alice, server);
      await idpLogin(alice, server, "alice");
      assert.equal(new URL(alice.url()).pathname, "/recordings", await alice.content());
      assert.equal(idp.jwksRequests(), 2);
      assert.equal(
        query<{ role: string }>(db, "SELECT role FROM users WHERE username = 'alice'")[0].role,
        "admin",
      );
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "single sign-on with the provider unreachable: a clear 503, local sign-in still works",
  sanitizeOps: true,
  sanitizeResources: false, // the server's pipes live across the test
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-oidc-down-" });
    const httpPort = freeTcpPort();
    const secretFile = join(dir, "oidc.secret");
    await Deno.writeTextFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    // Nothing listens on the issuer's port: discovery fails at the first sign-in.
    const yaml = configYaml(
      { issuer: `https://127.0.0.1:${freeTcpPort()}`, certs: { ca: "/dev/null" } } as TestIdp,
      httpPort,
      secretFile,
    ).replace("    caFile: /dev/null\n", "");
    await Deno.writeTextFile(join(dir, "selrec.yaml"), yaml);
    await Deno.mkdir(join(dir, "data"));
    try {
      await using server = await startServer({
        configFile: join(dir, "selrec.yaml"),
        dataDir: join(dir, "data"),
        httpPort,
      });
      const start = await fetch(`${server.httpUrl}/auth/oidc/start`, {
        redirect: "manual",
        headers: { Accept: "text/html" },
      });
      assert.equal(start.status, 503);
      assert.match(await start.text(), /Test IdP cannot be reached.*local accounts still work/s);
      const local = await fetch(`${server.httpUrl}/sign-in`, {
        method: "POST",
        redirect: "manual",
        body: new URLSearchParams({ username: "admin", password: server.adminPassword }),
      });
      await local.body?.cancel();
      assert.equal(local.status, 303);
      assert.ok(!server.output().includes(SECRET), "the client secret is never logged");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
