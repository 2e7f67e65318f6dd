/**
 * The one decision path, for SIPREC/fork calls (the recorder) and the decision API alike:
 * evaluate the rules (or take record-all's answer) → the call's partitions → store the
 * decision with its trace → charge the rule's quotas once the call is to be recorded.
 *
 * The call's own partitions are parsed once, by the rules' `callPartitions`, with the
 * rule set's `defaults.partitionsKey` and `defaults.partitionsSeparator`; record-all mode
 * (no rule set loaded) uses the same schema defaults (`GRECORD_PARTITIONS`, `,`).
 */
import type { Config } from "../config.ts";
import {
  callPartitions,
  defaultDefaults,
  evaluate,
  type QuotaCharge,
  type RuleSet,
} from "../rules/mod.ts";
import type { Db, Store } from "../store/db.ts";
import { chargeQuota, insertDecision, quotaUsed } from "../store/queries/decisions.ts";
import type { CallFacts } from "./call_facts.ts";

/** A rule decision for a call (the rules engine's, or record-all's). */
export interface CallDecision {
  record: boolean;
  mode: "source" | "destination";
  partitions: string[];
  ruleId: string | null;
  retention: string | null;
  allowPause: boolean;
  format: "opus" | "wav";
  /** Quota counters to charge when the call is recorded (empty unless recording). */
  charges: QuotaCharge[];
  trace: unknown;
  /** The rule set's fingerprint, or `recordAll` when no rule set decided. */
  rulesetVersion: string;
  /** When the decision was evaluated (stored as `evaluated_at`, and the charge time). */
  at: Date;
}

/** Where rules come from: the hot-reloading service, or a fixed set in tests. */
export interface RuleSource {
  current(): RuleSet;
}

/** What deciding needs: the rules (null in record-all mode), the config slices, the store. */
export interface DecisionDeps {
  /** The rules in force, or null: record-all mode, or no rules service. */
  rules: RuleSource | null;
  config: {
    recorder: Pick<Config["recorder"], "recordAll" | "format">;
    rules: Pick<Config["rules"], "salt">;
  };
  /** `raw` for the synchronous quota read during evaluation. */
  store: Pick<Store, "raw">;
}

/**
 * The decision for a call. With `recorder.recordAll` (or without rules) every call gets
 * the same answer: record (or not, without rules and recordAll), destination mode, the
 * call's own partitions. Otherwise the rules decide ({@link decideByRules}).
 */
export function decideCall(deps: DecisionDeps, facts: CallFacts, now: Date): CallDecision {
  const { recorder } = deps.config;
  const ruleSet = recorder.recordAll ? null : deps.rules?.current() ?? null;
  if (ruleSet) {
    return decideByRules(ruleSet, facts, { salt: deps.config.rules.salt, store: deps.store, now });
  }
  return {
    record: recorder.recordAll,
    mode: "destination",
    partitions: callPartitions(facts.data, defaultDefaults()),
    ruleId: null,
    retention: null,
    allowPause: true,
    format: recorder.format,
    charges: [],
    trace: { recordAll: recorder.recordAll },
    rulesetVersion: "recordAll",
    at: now,
  };
}

/**
 * The rules' decision for a call (the decision API's, and the recorder's unless in
 * record-all mode): quota usage is read from the store, other calls than this one only.
 */
export function decideByRules(
  ruleSet: RuleSet,
  facts: CallFacts,
  ctx: { salt: string; store: Pick<Store, "raw">; now: Date },
): CallDecision {
  const raw = ctx.store.raw;
  const d = evaluate(ruleSet, facts, {
    now: ctx.now,
    salt: ctx.salt,
    quota: { used: (scope, _start, callKey) => quotaUsed(raw, scope, callKey) },
  });
  return { ...d, rulesetVersion: ruleSet.fingerprint, at: ctx.now };
}

/** Where a stored decision came from: a new SIPREC/fork call, its update, or the API. */
export type DecisionOrigin = "siprec" | "update" | "api";

/**
 * Stores a decision with its trace and its partitions (as rows) and, when it records,
 * charges its quotas (idempotent per scope and call key). `db` may be the caller's
 * transaction.
 */
export async function storeDecision(
  db: Db,
  stored: {
    callId: string | null;
    origin: DecisionOrigin;
    facts: CallFacts;
    decision: CallDecision;
  },
): Promise<void> {
  const { callId, origin, facts, decision: d } = stored;
  await insertDecision(db, {
    callId,
    callKey: facts.callKey,
    origin,
    record: d.record,
    ruleId: d.ruleId,
    mode: d.mode,
    partitions: d.partitions,
    retention: d.retention,
    trace: d.trace,
    rulesetVersion: d.rulesetVersion,
    at: d.at,
  });
  if (d.record) await chargeQuota(db, facts.callKey, d.charges, d.at);
}
