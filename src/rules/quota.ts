/**
 * Quota caps: scope keys the caller persists counters under, and an in-memory counter
 * store for tests and the CLI.
 *
 * A scope names one counter, e.g. `rule:vip|agentId:1001|day:2026-11-29`. The evaluator
 * only reads counters (through {@link QuotaView}); the caller charges the scopes listed in
 * `Decision.charges` once it actually records the call.
 *
 * @module
 */
import type { Rule, RuleQuota } from "./schema.ts";
import { periodSlot } from "./time.ts";

/** Read access to persisted quota counters. */
export interface QuotaView {
  /**
   * Number of calls charged to `scope` in the period starting at `periodStart`,
   * not counting `callKey` itself (so re-evaluating an already-charged call, e.g. on a
   * re-INVITE, does not see its own charge and keeps its decision).
   */
  used(scope: string, periodStart: Date, callKey?: string): number;
}

/** One counter a recorded call must be charged to. */
export interface QuotaCharge {
  scope: string;
  periodStart: Date;
}

/** Value that stands for a `per` field the call does not carry. */
export const MISSING_VALUE = "-";

/**
 * Computes the scope of `quota` (of rule `ruleId`) for a call at `at`.
 * `lookup` returns the call's value of a field, or undefined.
 */
export function quotaScope(
  ruleId: string,
  quota: RuleQuota,
  at: Date,
  lookup: (field: string) => string | undefined,
): QuotaCharge {
  const slot = periodSlot(quota.period, at, quota.timeZone);
  const per = quota.per === "rule"
    ? ""
    : `|${quota.per}:${encodeURIComponent(lookup(quota.per) || MISSING_VALUE)}`;
  return { scope: `rule:${ruleId}${per}|${slot.key}`, periodStart: slot.start };
}

/** All scopes a call would be charged to under `rule`. */
export function ruleScopes(
  rule: Rule,
  at: Date,
  lookup: (field: string) => string | undefined,
): QuotaCharge[] {
  return rule.quota.map((q) => quotaScope(rule.id, q, at, lookup));
}

/** An in-memory {@link QuotaView} that also records charges. Charging is idempotent per call. */
export class MemoryQuota implements QuotaView {
  #counters = new Map<string, Set<string>>();

  /** @inheritdoc */
  used(scope: string, periodStart: Date, callKey?: string): number {
    const calls = this.#counters.get(`${scope}@${periodStart.toISOString()}`);
    if (!calls) return 0;
    return callKey !== undefined && calls.has(callKey) ? calls.size - 1 : calls.size;
  }

  /** Charges `callKey` to each of `charges` (a call is counted once per scope). */
  charge(callKey: string, charges: readonly QuotaCharge[]): void {
    for (const c of charges) {
      const k = `${c.scope}@${c.periodStart.toISOString()}`;
      let calls = this.#counters.get(k);
      if (!calls) this.#counters.set(k, calls = new Set());
      calls.add(callKey);
    }
  }

  /** Drops every counter whose period started before `before`. */
  prune(before: Date): void {
    for (const k of this.#counters.keys()) {
      if (new Date(k.slice(k.lastIndexOf("@") + 1)) < before) this.#counters.delete(k);
    }
  }
}

/** A {@link QuotaView} that reports every counter as zero. */
export const NO_QUOTA_USED: QuotaView = { used: () => 0 };
