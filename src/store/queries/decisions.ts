/**
 * Rule decisions: each evaluation with its trace and its partitions (decision_partitions
 * rows, the only place they are stored), and the quota charges of recorded calls.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Db } from "../db.ts";
import type { RuleDecision } from "../schema.ts";
import { inTransaction } from "./recording_writes.ts";

/** One rule evaluation to store. */
export interface NewDecision {
  callId: string | null;
  callKey: string;
  origin: string;
  record: boolean;
  ruleId: string | null;
  mode: string | null;
  /** Stored as decision_partitions rows (duplicates once). */
  partitions: readonly string[];
  retention: string | null;
  trace: unknown;
  rulesetVersion: string;
  at: Date;
}

/**
 * Stores one rule evaluation with its trace and partition rows, in one transaction (or
 * the caller's); returns the decision's id.
 */
export async function insertDecision(db: Db, d: NewDecision): Promise<number> {
  return await inTransaction(db, async (tx) => {
    const { id } = await tx.insertInto("rule_decisions").values({
      call_id: d.callId,
      call_key: d.callKey,
      evaluated_at: d.at.toISOString(),
      origin: d.origin,
      record: d.record ? 1 : 0,
      rule_id: d.ruleId,
      mode: d.mode,
      retention: d.retention,
      trace: JSON.stringify(d.trace),
      ruleset_version: d.rulesetVersion,
    }).returning("id").executeTakeFirstOrThrow();
    for (const partition of new Set(d.partitions)) {
      await tx.insertInto("decision_partitions").values({ decision_id: id, partition })
        .execute();
    }
    return id;
  });
}

/** A decision's partitions (decision_partitions rows), sorted. */
export async function listDecisionPartitions(db: Db, decisionId: number): Promise<string[]> {
  const rows = await db.selectFrom("decision_partitions").select("partition")
    .where("decision_id", "=", decisionId).orderBy("partition").execute();
  return rows.map((r) => r.partition);
}

/** The latest decision on a call with its partitions, or undefined when it has none. */
export async function latestCallDecision(
  db: Db,
  callId: string,
): Promise<(RuleDecision & { partitions: string[] }) | undefined> {
  const d = await db.selectFrom("rule_decisions").selectAll().where("call_id", "=", callId)
    .orderBy("id", "desc").executeTakeFirst();
  return d && { ...d, partitions: await listDecisionPartitions(db, d.id) };
}

/**
 * Quota usage read synchronously (the rules evaluator is synchronous): recorded calls
 * charged to `scope`, not counting `callKey` itself.
 */
export function quotaUsed(raw: DatabaseSync, scope: string, callKey = ""): number {
  const row = raw.prepare(
    "SELECT count(*) AS n FROM quota_charges WHERE scope = ? AND call_key != ?",
  ).get(scope, callKey) as { n: number };
  return Number(row.n);
}

/** Charges a recorded call to its quota scopes (idempotent per scope and call). */
export async function chargeQuota(
  db: Db,
  callKey: string,
  charges: { scope: string; periodStart: Date }[],
  at: Date,
): Promise<void> {
  for (const c of charges) {
    await db.insertInto("quota_charges").values({
      scope: c.scope,
      call_key: callKey,
      period_start: c.periodStart.toISOString(),
      charged_at: at.toISOString(),
    }).onConflict((oc) => oc.doNothing()).execute();
  }
}
