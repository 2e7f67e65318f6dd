/**
 * The `auth.oidc` section of selrec.yaml: OpenID Connect single sign-on (authorization
 * code flow with PKCE against one identity provider). Validated by zod like the rest of
 * the config, so a bad field is reported with its path (`auth.oidc.issuer: …`).
 */
import { z } from "zod";

/** A claim name, or a dotted path into nested claims (`realm_access.roles`). */
const claimPath = z.string().regex(
  /^[A-Za-z_][\w:-]*(\.[A-Za-z_][\w:-]*)*$/,
  "expected a claim name or a dotted path like realm_access.roles",
);

/** Claim value → grant: users whose groups claim holds `group` get the rest. */
const mapping = z.strictObject({
  /** A value of the groups claim (compared case-insensitively): a name, path or object id. */
  group: z.string().min(1),
  /** A role name (src/auth/permissions.ts or one made in the admin UI). */
  role: z.string().min(1).optional(),
  partitions: z.array(z.string().min(1)).default([]),
  /** The org unit as a path of unit names from the root, e.g. `Org/Sales/Team A`. */
  orgUnit: z.string().min(1).optional(),
});

/** An absolute https URL (or http on a loopback address, for development). */
const httpsUrl = z.string().url().refine((u) => {
  if (!URL.canParse(u)) return true; // reported by url()
  const url = new URL(u);
  return url.protocol === "https:" ||
    (url.protocol === "http:" && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname));
}, { message: "expected an https:// URL (http:// only on a loopback address)" });

/** The `auth.oidc` schema (absent = no single sign-on). */
export const OidcConfigSchema = z.strictObject({
  /** Shown on the sign-in button: "Sign in with <name>". */
  name: z.string().min(1).max(60).default("single sign-on"),
  /** The issuer; its `/.well-known/openid-configuration` is read at the first sign-in. */
  issuer: httpsUrl,
  clientId: z.string().min(1),
  /** File holding the client secret (first line); the secret itself is never in config. */
  clientSecretFile: z.string().min(1),
  /** This box's callback, registered at the provider: `https://host/auth/oidc/callback`. */
  redirectUri: httpsUrl.refine(
    (u) => !URL.canParse(u) || new URL(u).pathname === "/auth/oidc/callback",
    {
      message: "expected the path /auth/oidc/callback",
    },
  ),
  /** Where the provider sends the browser after logout (default: `/sign-in` of redirectUri). */
  postLogoutRedirectUri: httpsUrl.optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default([
    "openid",
    "profile",
    "email",
  ]).refine((s) => s.includes("openid"), { message: "must include openid" }),
  /** PEM CA bundle the provider's certificate must chain to (else the system CAs). */
  caFile: z.string().min(1).optional(),
  /** The claim that becomes the selrec username. */
  usernameClaim: claimPath.default("preferred_username"),
  displayNameClaim: claimPath.default("name"),
  /** The claim holding the user's groups (a string or an array of strings). */
  groupsClaim: claimPath.default("groups"),
  mappings: z.array(mapping).min(1),
  /** Refuse ID tokens whose `amr` holds none of these (e.g. `[mfa, otp, hwk]`); empty = any. */
  requireAmr: z.array(z.string().min(1)).default([]),
  /** `acr_values` to request, and the ID token's `acr` must be one of them; empty = any. */
  acrValues: z.array(z.string().min(1)).default([]),
  /** The provider's signing keys are re-read after this long, and on an unknown `kid`. */
  jwksMaxAgeSeconds: z.number().int().min(10).max(86_400).default(600),
  /** Least time between two key reads prompted by an unknown `kid`. */
  jwksCooldownSeconds: z.number().min(0).max(3600).default(30),
  timeoutSeconds: z.number().min(0.5).max(60).default(10),
  /** Allowed clock difference with the provider for `exp`/`iat`. */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
});

/** Typed `auth.oidc`. */
export type OidcConfig = z.infer<typeof OidcConfigSchema>;

/** The post-logout redirect: configured, or `/sign-in` next to the callback. */
export function postLogoutRedirect(config: OidcConfig): string {
  return config.postLogoutRedirectUri ?? new URL("/sign-in", config.redirectUri).href;
}
