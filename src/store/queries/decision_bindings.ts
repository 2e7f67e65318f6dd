/**
 * API decisions bound to call keys (decision_bindings): written by `POST
 * /api/v1/decisions`, read by the recorder when a SIPREC call with one of those keys
 * arrives. The read is synchronous on the raw connection (the recorder decides inside
 * SIP handling, before the answer) and is one probe of the `(key, decided_at)` index per
 * key — the same kind of read as the rules' quota count.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Db } from "../db.ts";
import type { DecisionSummary } from "../../rules/mod.ts";

/** What the API decided, as the recorder needs it to record (or not) the call. */
export interface BoundOutcome extends DecisionSummary {
  rulesetVersion: string;
  /** The API evaluation's own trace. */
  trace: unknown;
}

/** A binding found for a call. */
export interface DecisionBinding {
  key: string;
  decidedAt: string;
  decisionId: number;
  tokenId: number | null;
  tokenName: string | null;
  outcome: BoundOutcome;
}

/**
 * Binds an API decision to each of `keys` (deduplicated, empty ones skipped) and prunes
 * bindings decided before `pruneBefore`.
 */
export async function bindDecision(
  db: Db,
  b: {
    keys: readonly (string | undefined)[];
    at: Date;
    decisionId: number;
    token: { id: number; name: string } | null;
    outcome: BoundOutcome;
    pruneBefore: Date;
  },
): Promise<void> {
  const keys = [...new Set(b.keys.filter((k): k is string => !!k))];
  await db.deleteFrom("decision_bindings").where("decided_at", "<", b.pruneBefore.toISOString())
    .execute();
  if (keys.length === 0) return;
  await db.insertInto("decision_bindings").values(keys.map((key) => ({
    key,
    decided_at: b.at.toISOString(),
    decision_id: b.decisionId,
    token_id: b.token?.id ?? null,
    token_name: b.token?.name ?? null,
    outcome: JSON.stringify(b.outcome),
  }))).execute();
}

const statements = new WeakMap<DatabaseSync, StatementSync>();

/**
 * The latest binding for any of `keys` decided at or after `since`, or undefined; read
 * synchronously (one prepared statement per connection, an index probe per key).
 */
export function findBinding(
  raw: DatabaseSync,
  keys: readonly (string | undefined)[],
  since: Date,
): DecisionBinding | undefined {
  let stmt = statements.get(raw);
  if (!stmt) {
    stmt = raw.prepare(
      `SELECT key, decided_at, decision_id, token_id, token_name, outcome
       FROM decision_bindings WHERE key = ? AND decided_at >= ?
       ORDER BY decided_at DESC, id DESC LIMIT 1`,
    );
    statements.set(raw, stmt);
  }
  let best: Record<string, unknown> | undefined;
  for (const key of new Set(keys.filter((k): k is string => !!k))) {
    const row = stmt.get(key, since.toISOString()) as Record<string, unknown> | undefined;
    if (row && (!best || String(row.decided_at) > String(best.decided_at))) best = row;
  }
  if (!best) return undefined;
  return {
    key: String(best.key),
    decidedAt: String(best.decided_at),
    decisionId: Number(best.decision_id),
    tokenId: best.token_id === null ? null : Number(best.token_id),
    tokenName: best.token_name === null ? null : String(best.token_name),
    outcome: JSON.parse(String(best.outcome)) as BoundOutcome,
  };
}
