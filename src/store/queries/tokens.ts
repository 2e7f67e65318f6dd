/** API token rows: only SHA-256 of the token is stored; scopes are a JSON array. */
import type { Db } from "../db.ts";
import type { ApiToken } from "../schema/users.ts";

/** A token as listed in the admin page (no hash). */
export interface TokenSummary {
  id: number;
  name: string;
  scopes: string[];
  userId: number | null;
  agentId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** When it stops working; null for tokens made before expiry existed. */
  expiresAt: string | null;
}

/** Inserts a token row; returns its id. */
export async function insertToken(
  db: Db,
  t: {
    name: string;
    tokenHash: string;
    scopes: string[];
    userId: number | null;
    agentId: string | null;
    now: string;
    expiresAt: string;
  },
): Promise<number> {
  const r = await db.insertInto("api_tokens").values({
    name: t.name,
    token_hash: t.tokenHash,
    scopes: JSON.stringify(t.scopes),
    user_id: t.userId,
    agent_id: t.agentId,
    created_at: t.now,
    last_used_at: null,
    revoked_at: null,
    expires_at: t.expiresAt,
  }).returning("id").executeTakeFirstOrThrow();
  return r.id;
}

/** Finds a live token by hash: not revoked and not expired at `now` (ISO time). */
export async function findLiveToken(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<ApiToken | undefined> {
  return await db.selectFrom("api_tokens").selectAll().where("token_hash", "=", tokenHash)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .executeTakeFirst();
}

/** Records use of a token. */
export async function touchToken(db: Db, id: number, now: string): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
}

/** Revokes a token; true when it was live. */
export async function revokeToken(db: Db, id: number, now: string): Promise<boolean> {
  const r = await db.updateTable("api_tokens").set({ revoked_at: now }).where("id", "=", id)
    .where("revoked_at", "is", null).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Lists tokens, newest first. */
export async function listTokens(db: Db): Promise<TokenSummary[]> {
  const rows = await db.selectFrom("api_tokens").selectAll().orderBy("id", "desc").execute();
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    scopes: parseScopes(t.scopes),
    userId: t.user_id,
    agentId: t.agent_id,
    createdAt: t.created_at,
    lastUsedAt: t.last_used_at,
    revokedAt: t.revoked_at,
    expiresAt: t.expires_at,
  }));
}

/** Parses the stored scopes; malformed text yields no scopes (deny by default). */
export function parseScopes(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}
