/**
 * API tokens for routing strategies and agent desktops: `Authorization: Bearer sr_…`.
 * Only SHA-256 of a token is stored; the plaintext is shown once, at creation. Scopes
 * are permission names; a token never exceeds its owner's role (see principal.ts).
 */
import type { Db } from "../store/db.ts";
import { randomToken, sha256Hex } from "./password.ts";
import { findLiveToken, insertToken, touchToken } from "../store/queries/tokens.ts";
import { type Principal, principalForToken } from "./principal.ts";
import { PERMISSIONS } from "./permissions.ts";

/** Prefix that makes selrec tokens recognizable to secret scanners. */
export const TOKEN_PREFIX = "sr_";

/**
 * Token scopes that are APIs rather than user permissions and need no user:
 * `decisions` (the decision API) and `metrics` (`GET /metrics` for a Prometheus scraper).
 */
export const API_SCOPES = ["decisions", "metrics"] as const;

/**
 * Why a token with these scopes cannot exist, or null. Permission scopes act on a user's
 * data and role, so they need `userId`; the one exception is `pause.own` with an agent id
 * (an agent desktop). A token without a user and with a permission scope would silently
 * grant nothing.
 */
export function tokenScopeProblem(
  t: Pick<NewToken, "scopes" | "userId" | "agentId">,
): string | null {
  if (t.userId !== null) return null;
  const api: readonly string[] = API_SCOPES;
  const needUser = t.scopes.filter((s) =>
    !api.includes(s) && !(s === "pause.own" && t.agentId !== null)
  );
  if (needUser.length === 0) return null;
  return `scope "${
    needUser.join(",")
  }" needs a user (--user NAME; \`pause.own\` needs an agent id ` +
    `instead); scopes that need no user: ${API_SCOPES.join(", ")}`;
}

/** What a new token is for. */
export interface NewToken {
  name: string;
  scopes: string[];
  userId: number | null;
  agentId: string | null;
}

/** Creates a token; returns its id and the plaintext, which is not stored. */
export async function createApiToken(
  db: Db,
  t: NewToken,
  now = new Date(),
): Promise<{ id: number; token: string }> {
  const known: readonly string[] = [...PERMISSIONS, ...API_SCOPES];
  const unknown = t.scopes.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    throw new RangeError(`Cannot create token "${t.name}": unknown scope "${unknown[0]}"`);
  }
  const problem = tokenScopeProblem(t);
  if (problem) throw new RangeError(`Cannot create token "${t.name}": ${problem}`);
  if (!/^[\w.@-]{1,64}$/.test(t.name)) {
    throw new RangeError(
      `Cannot create token: name "${t.name}" must be 1-64 letters, digits or ._@-`,
    );
  }
  const token = TOKEN_PREFIX + randomToken(32);
  const id = await insertToken(db, {
    ...t,
    tokenHash: await sha256Hex(token),
    now: now.toISOString(),
  });
  return { id, token };
}

/** Parses `Authorization: Bearer <token>`; null when absent or another scheme. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header.trim());
  return m ? m[1] : null;
}

/** Resolves a bearer token to its principal; null when unknown, revoked or orphaned. */
export async function principalForBearer(
  db: Db,
  token: string,
  now = new Date(),
): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await findLiveToken(db, await sha256Hex(token));
  if (!row) return null;
  const principal = await principalForToken(db, row);
  if (principal) await touchToken(db, row.id, now.toISOString());
  return principal;
}
