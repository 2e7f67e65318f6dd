/**
 * The pure core of OpenID Connect sign-in: validated ID token claims → who the user is
 * and what selrec grants, through `auth.oidc.mappings` exactly as LDAP groups are mapped
 * ({@link grantFromGroups}: first role, union of partitions, first org unit), with the
 * claim each part came from, for the audit trail. No I/O.
 *
 * Claim values are read from a dotted path (`realm_access.roles` reaches Keycloak's
 * realm roles); a groups claim may be one string or an array of strings (other members
 * are ignored). Group values are compared case-insensitively.
 */
import { type DirectoryGrant, grantFromGroups, type GroupMapping } from "./directory_grant.ts";

/** The claims of an ID token (already validated: signature, iss, aud, nonce, exp). */
export type Claims = Readonly<Record<string, unknown>>;

/** What {@link identityFromClaims} reads, named as in `auth.oidc`. */
export interface ClaimNames {
  usernameClaim: string;
  displayNameClaim: string;
  groupsClaim: string;
}

/** The user an ID token names. */
export interface OidcIdentity {
  /** `sub`: the provider's stable id of the user. */
  subject: string;
  username: string;
  displayName: string | null;
  groups: string[];
}

/** A grant from claims: {@link DirectoryGrant} whose sources name the claim. */
export interface ClaimGrant extends DirectoryGrant {
  /** The claim the groups were read from (`groups`, `realm_access.roles`). */
  claim: string;
}

/** The value at a dotted `path` of `claims`, or undefined. */
export function claimAt(claims: Claims, path: string): unknown {
  let at: unknown = claims;
  for (const step of path.split(".")) {
    if (typeof at !== "object" || at === null || Array.isArray(at)) return undefined;
    if (!Object.hasOwn(at, step)) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at;
}

/** The groups in the claim at `path`: a string is one group, an array its string members. */
export function groupsFrom(claims: Claims, path: string): string[] {
  const v = claimAt(claims, path);
  if (typeof v === "string") return v.length > 0 ? [v] : [];
  if (!Array.isArray(v)) return [];
  return v.filter((g): g is string => typeof g === "string" && g.length > 0);
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Who the claims name, or the reason they cannot be used (names the claim). */
export function identityFromClaims(
  claims: Claims,
  names: ClaimNames,
): { ok: true; identity: OidcIdentity } | { ok: false; why: string } {
  const sub = claims.sub;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 255) {
    return { ok: false, why: "the ID token has no usable sub claim" };
  }
  const username = claimAt(claims, names.usernameClaim);
  if (typeof username !== "string" || username.trim().length === 0) {
    return { ok: false, why: `the ID token has no ${names.usernameClaim} claim` };
  }
  const name = username.trim();
  if (name.length > 100 || CONTROL.test(name)) {
    return { ok: false, why: `the ${names.usernameClaim} claim is not a usable username` };
  }
  const display = claimAt(claims, names.displayNameClaim);
  return {
    ok: true,
    identity: {
      subject: sub,
      username: name,
      displayName: typeof display === "string" && display.length > 0 ? display.slice(0, 200) : null,
      groups: groupsFrom(claims, names.groupsClaim),
    },
  };
}

/** The grant for `identity` through `mappings`, or null when no mapping gives a role. */
export function grantFromClaims(
  identity: OidcIdentity,
  groupsClaim: string,
  mappings: readonly GroupMapping[],
): ClaimGrant | null {
  const grant = grantFromGroups(identity.groups, mappings);
  return grant ? { ...grant, claim: groupsClaim } : null;
}

/**
 * Checks the authentication context the provider reports: with `requireAmr` the `amr`
 * claim must hold one of them; with `acrValues` the `acr` claim must be one of them.
 * Returns null when satisfied, else the reason.
 */
export function authContextProblem(
  claims: Claims,
  requireAmr: readonly string[],
  acrValues: readonly string[],
): string | null {
  if (requireAmr.length > 0) {
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((a) => typeof a === "string") : [];
    if (!amr.some((a) => requireAmr.includes(a))) {
      return `the provider did not report a required authentication method (amr: ${
        amr.join(",") || "none"
      }; required one of ${requireAmr.join(",")})`;
    }
  }
  if (acrValues.length > 0) {
    const acr = typeof claims.acr === "string" ? claims.acr : "none";
    if (!acrValues.includes(acr)) {
      return `the provider reported authentication context ${acr}; required one of ${
        acrValues.join(",")
      }`;
    }
  }
  return null;
}
