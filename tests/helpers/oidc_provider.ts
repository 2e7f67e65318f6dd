/**
 * A real OpenID provider for integration tests: npm `oidc-provider` in this process,
 * over HTTPS with the test CA (tests/helpers/tls_certs.ts) on a free port. One
 * confidential client is registered for the box's callback, with PKCE required and
 * RP-initiated logout on; the development login and consent pages accept any password
 * for the accounts given. Requests to the JWKS are counted, and {@link TestIdp.rotateKeys}
 * restarts the provider on the same port with a new signing key (a key rotation).
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider from "oidc-provider";
import { exportJWK, generateKeyPair } from "jose";
import { makeTestCerts, type TestCerts } from "./tls_certs.ts";
import { freeTcpPort } from "./ports.ts";

/** Claims of one account at the test provider (besides `sub`). */
export type AccountClaims = Record<string, unknown>;

/** What the test registers at the provider. */
export interface TestIdpOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Account id (the login typed at the provider) → claims. */
  accounts: Record<string, AccountClaims>;
}

/** A running provider. */
export interface TestIdp extends AsyncDisposable {
  issuer: string;
  certs: TestCerts;
  /** GET /jwks requests answered so far. */
  jwksRequests(): number;
  /**
   * Restarts the provider on the same port signing with a new key; the old one stays
   * published, as in a real rotation (the provider's sessions are lost).
   */
  rotateKeys(): Promise<void>;
}

async function signingKey(): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: "RS256", use: "sig" };
}

function provider(issuer: string, o: TestIdpOptions, keys: Record<string, unknown>[]) {
  return new Provider(issuer, {
    clients: [{
      client_id: o.clientId,
      client_secret: o.clientSecret,
      redirect_uris: [o.redirectUri],
      post_logout_redirect_uris: [o.postLogoutRedirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    // The first key signs; the others are published for tokens signed before.
    jwks: { keys: keys as never[] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email"],
      groups: ["groups"],
    },
    // Requested claims go into the ID token (as Keycloak and Entra ID put groups there).
    conformIdTokenClaims: false,
    cookies: { keys: ["selrec-test-cookie-key-0123456789"] },
    findAccount: (_ctx: unknown, id: string) => {
      const claims = o.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...claims }) };
    },
  });
}

/** Starts the provider; dispose to stop it and remove its certificates. */
export async function startTestIdp(o: TestIdpOptions): Promise<TestIdp> {
  const certs = await makeTestCerts();
  const port = freeTcpPort();
  const issuer = `https://127.0.0.1:${port}`;
  const tls = {
    cert: await Deno.readTextFile(certs.server.cert),
    key: await Deno.readTextFile(certs.server.key),
  };
  let jwks = 0;
  let keys = [await signingKey()];
  let server: https.Server;

  async function listen(): Promise<void> {
    const callback = provider(issuer, o, keys).callback();
    server = https.createServer(tls, (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === "GET" && req.url?.startsWith("/jwks")) jwks++;
      callback(req, res);
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  }
  async function close(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  await listen();
  return {
    issuer,
    certs,
    jwksRequests: () => jwks,
    async rotateKeys() {
      await close();
      keys = [await signingKey(), keys[0]];
      await listen();
    },
    async [Symbol.asyncDispose]() {
      await close();
      await Deno.remove(certs.dir, { recursive: true });
    },
  };
}
