/**
 * The one decision path, for SIPREC/fork calls (the recorder) and the decision API alike:
 * evaluate the rules (or take record-all's answer) → the call's partitions → store the
 * decision with its trace → charge the rule's quotas once the call is to be recorded.
 *
 * The call's own partitions are parsed once, by the rules' `callPartitions`, with the
 * rule set's `defaults.partitionsKey` and `defaults.partitionsSeparator`; record-all mode
 * (no rule set loaded) uses the same schema defaults (`GRECORD_PARTITIONS`, `,`).
 *
 * A decision the API made for a call binds it: the API stores its decision and binds it
 * to each key the request named (UCID, Call-ID, SIPREC session id); a SIPREC call with
 * one of those keys within `decisions.bindSeconds` takes that decision, and its trace
 * says "decided by API at T by token N". The lookup is a synchronous index probe on the
 * raw connection, like the quota count (the recorder decides before the SIP answer).
 */
import type { Config } from "../config.ts";
import {
  callPartitions,
  type DecisionSummary,
  defaultDefaults,
  evaluate,
  type QuotaCharge,
  type RuleSet,
} from "../rules/mod.ts";
import type { Db, Store } from "../store/db.ts";
import { chargeQuota, insertDecision, quotaUsed } from "../store/queries/decisions.ts";
import {
  bindDecision,
  type DecisionBinding,
  findBinding,
} from "../store/queries/decision_bindings.ts";
import { inTransaction } from "../store/queries/recording_writes.ts";
import type { CallFacts } from "./call_facts.ts";

/** A rule decision for a call (the rules engine's, or record-all's). */
export interface CallDecision extends DecisionSummary {
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
    /** How long API decisions bind (default {@link DEFAULT_BIND_SECONDS}). */
    decisions?: Pick<Config["decisions"], "bindSeconds">;
  };
  /** `raw` for the synchronous quota read during evaluation. */
  store: Pick<Store, "raw">;
}

/** `decisions.bindSeconds` when the config slice does not say. */
export const DEFAULT_BIND_SECONDS = 600;

/**
 * The decision for a call. With `recorder.recordAll` (or without rules) every call gets
 * the same answer: record (or not, without rules and recordAll), destination mode, the
 * call's own partitions. Otherwise an API decision bound to one of `keys` (the call's
 * UCID, SIPREC session id, SIP Call-ID; default its call key) within
 * `decisions.bindSeconds` decides ({@link boundApiDecision}), else the rules
 * ({@link decideByRules}).
 */
export function decideCall(
  deps: DecisionDeps,
  facts: CallFacts,
  now: Date,
  keys: readonly (string | undefined)[] = [facts.callKey],
): CallDecision {
  const { recorder } = deps.config;
  if (!recorder.recordAll) {
    const bound = boundApiDecision(deps, keys, now);
    if (bound) return bound;
  }
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

/** How a bound API decision reads in a trace. */
export function apiDecisionText(b: Pick<DecisionBinding, "decidedAt" | "tokenId" | "tokenName">) {
  const by = b.tokenId === null
    ? "a token since removed"
    : `token ${b.tokenId}${b.tokenName ? ` (${b.tokenName})` : ""}`;
  return `decided by API at ${b.decidedAt} by ${by}`;
}

/**
 * The API decision bound to one of `keys` within `decisions.bindSeconds` before `now`, as
 * the call's decision (no quota charges: the API charged them), or null.
 */
export function boundApiDecision(
  deps: Pick<DecisionDeps, "config" | "store">,
  keys: readonly (string | undefined)[],
  now: Date,
): CallDecision | null {
  const seconds = deps.config.decisions?.bindSeconds ?? DEFAULT_BIND_SECONDS;
  if (seconds <= 0) return null;
  const b = findBinding(deps.store.raw, keys, new Date(now.getTime() - seconds * 1000));
  if (!b) return null;
  const o = b.outcome;
  return {
    record: o.record,
    mode: o.mode,
    partitions: o.partitions,
    ruleId: o.ruleId,
    retention: o.retention,
    allowPause: o.allowPause,
    format: o.format,
    charges: [],
    trace: {
      decidedBy: "api",
      text: apiDecisionText(b),
      key: b.key,
      apiDecisionId: b.decisionId,
      tokenId: b.tokenId,
      api: o.trace,
    },
    rulesetVersion: o.rulesetVersion,
    at: now,
  };
}

/** Where a stored decision came from: a new SIPREC or fork call, its update, or the API. */
export type DecisionOrigin = "siprec" | "fork" | "update" | "api";

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
): Promise<number> {
  const { callId, origin, facts, decision: d } = stored;
  const id = await insertDecision(db, {
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
  return id;
}

/**
 * Stores the API's decision ({@link storeDecision}) and, in the same commit, binds it to
 * each of `keys` for `bindSeconds` (0: stored only, the rules will decide the call).
 */
export async function storeApiDecision(
  db: Db,
  api: {
    facts: CallFacts;
    decision: CallDecision;
    keys: readonly (string | undefined)[];
    token: { id: number; name: string };
    bindSeconds: number;
  },
): Promise<void> {
  const { facts, decision: d } = api;
  await inTransaction(db, async (tx) => {
    const decisionId = await storeDecision(tx, { callId: null, origin: "api", facts, decision: d });
    if (api.bindSeconds <= 0) return;
    await bindDecision(tx, {
      keys: api.keys,
      at: d.at,
      decisionId,
      token: api.token,
      pruneBefore: new Date(d.at.getTime() - Math.max(api.bindSeconds, 86_400) * 1000),
      outcome: {
        record: d.record,
        mode: d.mode,
        partitions: d.partitions,
        ruleId: d.ruleId,
        retention: d.retention,
        allowPause: d.allowPause,
        format: d.format,
        rulesetVersion: d.rulesetVersion,
        trace: d.trace,
      },
    });
  });
}
