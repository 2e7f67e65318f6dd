/**
 * The I/O adapter of OpenID Connect sign-in (OpenID Connect Core 1.0 §3.1, the
 * authorization code flow), over `openid-client`:
 *
 * - discovery of the provider from `auth.oidc.issuer` at the first use (retried on the
 *   next sign-in when the provider could not be reached, so the box starts without it);
 * - the authorization request with PKCE S256 (RFC 7636), `state` and `nonce`;
 * - the callback: state, code exchange with the client secret and the PKCE verifier, ID
 *   token claims (iss, aud, azp, exp, iat, nonce) by openid-client, then the ID token's
 *   signature against the provider's JWKS (§3.1.3.7 step 6) by `jose`: keys cached for
 *   `jwksMaxAgeSeconds` and re-read when a token names an unknown `kid` (key rotation),
 *   at most once per `jwksCooldownSeconds`;
 * - RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the end-session URL
 *   with `id_token_hint` and `post_logout_redirect_uri`.
 *
 * The client secret is read from `clientSecretFile` and never logged.
 */
import * as oidc from "openid-client";
import { createRemoteJWKSet, customFetch as joseFetch, jwtVerify } from "jose";
import type { Claims } from "./oidc_claims.ts";
import { type OidcConfig, postLogoutRedirect } from "./oidc_config.ts";
import type { PendingFlow } from "./oidc_flows.ts";

/** The provider could not be asked: unreachable, TLS refused, timed out, bad discovery. */
export class OidcUnavailable extends Error {
  override name = "OidcUnavailable";
}

/** The provider's answer was refused: state, code, nonce, signature, issuer, audience. */
export class OidcRefused extends Error {
  override name = "OidcRefused";
}

/** A validated sign-in: the ID token's claims and the token itself (for logout). */
export interface OidcResult {
  claims: Claims;
  idToken: string;
}

/** What sign-in needs of a provider (the routes' seam; {@link OidcClient} is the real one). */
export interface OidcProvider {
  /** The provider's name for the sign-in button. */
  readonly name: string;
  /** The authorization request URL for a started flow. */
  authorizationUrl(flow: PendingFlow): Promise<URL>;
  /** Validates the callback (`params` as received) against the flow; the ID token's claims. */
  finish(params: URLSearchParams, flow: PendingFlow): Promise<OidcResult>;
  /** The provider's end-session URL for a user's ID token, or null when it has none. */
  endSessionUrl(idToken: string | null): Promise<URL | null>;
}

/** Reads the first line of `auth.oidc.clientSecretFile`; errors name the file. */
export async function readClientSecret(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`auth.oidc.clientSecretFile ${path}: ${(err as Error).message}`);
  }
  const secret = text.split(/\r?\n/)[0].trim();
  if (secret.length === 0) throw new Error(`auth.oidc.clientSecretFile ${path}: file is empty`);
  return secret;
}

/** True for errors of the transport (no answer), as opposed to a refused answer. */
function unreachable(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof TypeError && !("code" in e)) return true;
    if (e.name === "TimeoutError" || e.name === "AbortError" || e.name === "JWKSTimeout") {
      return true;
    }
    if (e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.InvalidData) {
      return true;
    }
  }
  return false;
}

function describe(err: unknown): string {
  const e = err as Error & { code?: string; error?: string; error_description?: string };
  const parts = [e.code, e.error, e.error_description ?? e.message].filter(Boolean);
  // oauth4webapi names the ID token claim that failed (nonce, iss, aud, exp…) in its cause.
  let claim: unknown;
  for (let c: unknown = e.cause; c && typeof c === "object" && claim === undefined;) {
    claim = (c as { claim?: unknown }).claim;
    c = (c as { cause?: unknown }).cause;
  }
  const which = typeof claim === "string" ? ` (claim ${claim})` : "";
  return (parts.join(": ") + which).slice(0, 300);
}

/** The relying party of one OpenID provider. */
export class OidcClient implements OidcProvider {
  #c: OidcConfig;
  #secret: string;
  #http: Deno.HttpClient | undefined;
  #discovered: Promise<oidc.Configuration> | undefined;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  private constructor(c: OidcConfig, secret: string, http: Deno.HttpClient | undefined) {
    this.#c = c;
    this.#secret = secret;
    this.#http = http;
  }

  /** fetch through the `caFile` TLS client when there is one. */
  #fetch(url: string, init: object): Promise<Response> {
    const client = this.#http;
    return fetch(url, (client ? { ...init, client } : init) as RequestInit);
  }

  /** Reads the client secret (and CA file) and builds the client; discovery waits for use. */
  static async create(c: OidcConfig): Promise<OidcClient> {
    const secret = await readClientSecret(c.clientSecretFile);
    let http: Deno.HttpClient | undefined;
    if (c.caFile) {
      let ca: string;
      try {
        ca = await Deno.readTextFile(c.caFile);
      } catch (err) {
        throw new Error(`auth.oidc.caFile ${c.caFile}: ${(err as Error).message}`);
      }
      http = Deno.createHttpClient({ caCerts: [ca] });
    }
    return new OidcClient(c, secret, http);
  }

  get name(): string {
    return this.#c.name;
  }

  /** The discovered configuration; a failed discovery is tried again at the next call. */
  #configuration(): Promise<oidc.Configuration> {
    this.#discovered ??= oidc.discovery(
      new URL(this.#c.issuer),
      this.#c.clientId,
      { [oidc.clockTolerance]: this.#c.clockToleranceSeconds },
      oidc.ClientSecretBasic(this.#secret),
      {
        [oidc.customFetch]: (url, init) => this.#fetch(url, init),
        timeout: this.#c.timeoutSeconds,
        ...(new URL(this.#c.issuer).protocol === "http:"
          ? { execute: [oidc.allowInsecureRequests] }
          : {}),
      },
    ).then((cfg) => {
      cfg.timeout = this.#c.timeoutSeconds;
      cfg[oidc.customFetch] = (url, init) => this.#fetch(url, init);
      return cfg;
    }).catch((err) => {
      this.#discovered = undefined;
      throw new OidcUnavailable(
        `cannot read the OpenID configuration of ${this.#c.issuer}: ${describe(err)}`,
      );
    });
    return this.#discovered;
  }

  async authorizationUrl(flow: PendingFlow): Promise<URL> {
    const cfg = await this.#configuration();
    return oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: this.#c.redirectUri,
      scope: this.#c.scopes.join(" "),
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: "S256",
      state: flow.state,
      nonce: flow.nonce,
      ...(this.#c.acrValues.length > 0 ? { acr_values: this.#c.acrValues.join(" ") } : {}),
    });
  }

  async finish(params: URLSearchParams, flow: PendingFlow): Promise<OidcResult> {
    const cfg = await this.#configuration();
    // The redirect URI as registered, with the callback's parameters: behind a proxy the
    // request URL may differ, and the token request must name the registered one.
    const current = new URL(this.#c.redirectUri);
    current.search = params.toString();
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (err) {
      if (unreachable(err)) {
        throw new OidcUnavailable(
          `the provider ${this.#c.issuer} did not answer: ${describe(err)}`,
        );
      }
      throw new OidcRefused(describe(err));
    }
    if (!idToken) throw new OidcRefused("the token response has no ID token");
    return { claims: await this.#verifySignature(cfg, idToken), idToken };
  }

  async #verifySignature(cfg: oidc.Configuration, idToken: string): Promise<Claims> {
    const meta = cfg.serverMetadata();
    if (!meta.jwks_uri) throw new OidcRefused("the provider publishes no jwks_uri");
    this.#jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri), {
      cacheMaxAge: this.#c.jwksMaxAgeSeconds * 1000,
      cooldownDuration: this.#c.jwksCooldownSeconds * 1000,
      timeoutDuration: this.#c.timeoutSeconds * 1000,
      [joseFetch]: (url, init) => this.#fetch(url, init),
    });
    try {
      const { payload } = await jwtVerify(idToken, this.#jwks, {
        issuer: meta.issuer,
        audience: this.#c.clientId,
        clockTolerance: this.#c.clockToleranceSeconds,
      });
      return payload as Claims;
    } catch (err) {
      if (unreachable(err)) {
        throw new OidcUnavailable(`cannot read the provider's keys: ${describe(err)}`);
      }
      throw new OidcRefused(`ID token signature: ${describe(err)}`);
    }
  }

  async endSessionUrl(idToken: string | null): Promise<URL | null> {
    let cfg: oidc.Configuration;
    try {
      cfg = await this.#configuration();
    } catch {
      return null;
    }
    if (!cfg.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(cfg, {
      ...(idToken ? { id_token_hint: idToken } : {}),
      post_logout_redirect_uri: postLogoutRedirect(this.#c),
      client_id: this.#c.clientId,
    });
  }

  /** Releases the TLS client of `caFile`. */
  close(): void {
    this.#http?.close();
  }
}
