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
  /** When it stops working; default {@link TOKEN_DAYS}.default days from now. */
  expiresAt?: Date;
}

/** How long a token may live, in days: at least a day, at most a year. */
export const TOKEN_DAYS = { min: 1, max: 366, default: 90 } as const;

const DAY_MS = 86_400_000;

/**
 * Why a token like `t` would be useless or unsafe, or null: no scope (it would grant
 * nothing), an unknown scope, a permission scope without a user (see
 * {@link tokenScopeProblem}), an expiry in the past or beyond {@link TOKEN_DAYS}.max
 * days, or a bad name. Each reason names the field.
 */
export function tokenProblem(t: NewToken, now: Date): string | null {
  if (!/^[\w.@-]{1,64}$/.test(t.name)) {
    return `name "${t.name}" must be 1-64 letters, digits or ._@-`;
  }
  if (t.scopes.length === 0) {
    return "scopes: choose at least one; a token without one grants nothing";
  }
  const known: readonly string[] = [...PERMISSIONS, ...API_SCOPES];
  const unknown = t.scopes.find((s) => !known.includes(s));
  if (unknown !== undefined) return `unknown scope "${unknown}"`;
  const scope = tokenScopeProblem(t);
  if (scope) return scope;
  if (t.expiresAt !== undefined) {
    const ms = t.expiresAt.getTime() - now.getTime();
    if (!Number.isFinite(ms) || ms < TOKEN_DAYS.min * DAY_MS - 60_000) {
      return `expires: at least ${TOKEN_DAYS.min} day from now`;
    }
    if (ms > TOKEN_DAYS.max * DAY_MS + 60_000) {
      return `expires: at most ${TOKEN_DAYS.max} days from now`;
    }
  }
  return null;
}

/**
 * Creates a token; returns its id and the plaintext, which is not stored. Throws
 * RangeError with {@link tokenProblem}'s reason when the token would be useless.
 */
export async function createApiToken(
  db: Db,
  t: NewToken,
  now = new Date(),
): Promise<{ id: number; token: string; expiresAt: string }> {
  const problem = tokenProblem(t, now);
  if (problem) throw new RangeError(`Cannot create token "${t.name}": ${problem}`);
  const expiresAt = (t.expiresAt ?? new Date(now.getTime() + TOKEN_DAYS.default * DAY_MS))
    .toISOString();
  const token = TOKEN_PREFIX + randomToken(32);
  const id = await insertToken(db, {
    name: t.name,
    scopes: t.scopes,
    userId: t.userId,
    agentId: t.agentId,
    tokenHash: await sha256Hex(token),
    now: now.toISOString(),
    expiresAt,
  });
  return { id, token, expiresAt };
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
  const row = await findLiveToken(db, await sha256Hex(token), now.toISOString());
  if (!row) return null;
  const principal = await principalForToken(db, row);
  if (principal) await touchToken(db, row.id, now.toISOString());
  return principal;
}
