/**
 * The pure rule evaluator: ordered rules, first match wins.
 *
 * A rule matches when it is enabled, its `when` holds, the call falls inside its `window`,
 * the call's sample draw is below its `sample` percentage, and none of its quota caps is
 * exhausted. Sampling and quotas gate the rule, not the call: a rule whose conditions hold
 * but whose draw or quota says no does not match, and evaluation continues with the next
 * rule (so a later catch-all or a stricter rule can still take the call). A matching rule
 * decides the call whether its `then.record` is true or false (exclusion rules).
 * When no rule matches, `defaults.record` decides.
 *
 * @module
 */
import { evalCondition, type FieldLookup } from "./conditions.ts";
import { type QuotaCharge, type QuotaView, ruleScopes } from "./quota.ts";
import { sampled, sampleDraw } from "./sampling.ts";
import type { Defaults, Rule, RuleSet } from "./schema.ts";
import { checkWindow } from "./time.ts";
import type { DecisionSummary, DecisionTrace, RuleTrace } from "./trace.ts";

/** The facts about a call that rules test. */
export interface CallFacts {
  /** Stable call identity used for sampling and quotas; see {@link callKeyOf}. */
  callKey: string;
  /** Built-in fields: businessUnit, customerType, language, dn, agentId, queue, direction, ani, dnis. */
  fields: Readonly<Record<string, string>>;
  /** Attached data (user data), tested as `data.<KEY>`; includes GRECORD_PARTITIONS. */
  data: Readonly<Record<string, string>>;
}

/** Everything an evaluation needs besides the rules and the call. */
export interface EvalContext {
  now: Date;
  salt: string;
  quota: QuotaView;
}

/** What to do with a call. */
export interface Decision extends DecisionSummary {
  /** Quota counters to charge once the call is actually recorded (empty unless recording). */
  charges: QuotaCharge[];
  trace: DecisionTrace;
}

/**
 * Picks the stable call key: the UCID / universal call id (survives transfers and new
 * recording sessions), else the SIPREC recording session id (survives re-INVITEs), else
 * the SIP Call-ID.
 */
export function callKeyOf(
  ids: { ucid?: string; siprecSessionId?: string; callId?: string },
): string {
  const key = ids.ucid || ids.siprecSessionId || ids.callId;
  if (!key) {
    throw new TypeError("Cannot pick a call key: ucid, siprecSessionId and callId are empty");
  }
  return key;
}

/** Builds the field lookup of a call. */
export function fieldLookup(call: CallFacts): FieldLookup {
  return (field) =>
    field.startsWith("data.") ? own(call.data, field.slice(5)) : own(call.fields, field);
}

function own(rec: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(rec, key) && typeof rec[key] === "string" ? rec[key] : undefined;
}

/** Evaluates `ruleSet` for `call`. Pure apart from reading `ctx.quota`; never throws on rule or call content. */
export function evaluate(ruleSet: RuleSet, call: CallFacts, ctx: EvalContext): Decision {
  if (Number.isNaN(ctx.now.getTime())) {
    throw new RangeError("Cannot evaluate rules: now is an invalid date");
  }
  const lookup = fieldLookup(call);
  const tried: RuleTrace[] = [];
  for (const rule of ruleSet.rules) {
    const { trace, charges } = tryRule(rule, call.callKey, lookup, ctx);
    tried.push(trace);
    if (trace.outcome !== "matched") continue;
    const t = rule.then;
    const summary: DecisionSummary = {
      record: t.record,
      mode: t.mode,
      partitions: mergePartitions(ruleSet, t.partitions, lookup, call),
      ruleId: rule.id,
      retention: t.retention,
      allowPause: t.allowPause,
      format: t.format,
    };
    return finish(ruleSet, call, ctx, tried, summary, t.record ? charges : []);
  }
  const d = ruleSet.defaults;
  const summary: DecisionSummary = {
    record: d.record,
    mode: d.mode,
    partitions: mergePartitions(ruleSet, [], lookup, call),
    ruleId: null,
    retention: d.retention,
    allowPause: d.allowPause,
    format: d.format,
  };
  return finish(ruleSet, call, ctx, tried, summary, []);
}

function finish(
  ruleSet: RuleSet,
  call: CallFacts,
  ctx: EvalContext,
  rules: RuleTrace[],
  decision: DecisionSummary,
  charges: QuotaCharge[],
): Decision {
  const trace: DecisionTrace = {
    callKey: call.callKey,
    at: ctx.now.toISOString(),
    fingerprint: ruleSet.fingerprint,
    rules,
    decision,
  };
  return { ...decision, charges, trace };
}

function tryRule(
  rule: Rule,
  callKey: string,
  lookup: FieldLookup,
  ctx: EvalContext,
): { trace: RuleTrace; charges: QuotaCharge[] } {
  const trace: RuleTrace = {
    id: rule.id,
    source: rule.source,
    enabled: rule.enabled,
    conditions: null,
    window: null,
    sample: null,
    quota: [],
    outcome: "disabled",
  };
  const none = { trace, charges: [] };
  if (!rule.enabled) return none;
  if (rule.when) {
    trace.conditions = evalCondition(rule.when, lookup);
    trace.outcome = "conditions-failed";
    if (!trace.conditions.held) return none;
  }
  if (rule.window) {
    const w = checkWindow(rule.window, ctx.now);
    trace.window = { ...w, timeZone: rule.window.timeZone };
    trace.outcome = "outside-window";
    if (!w.held) return none;
  }
  const draw = sampleDraw(callKey, rule.id, ctx.salt);
  const held = sampled(draw, rule.sample);
  trace.sample = { draw: Math.round(draw * 1e4) / 1e4, percent: rule.sample, held };
  trace.outcome = "not-sampled";
  if (!held) return none;
  const charges = ruleScopes(rule, ctx.now, lookup);
  trace.quota = charges.map((c, i) => {
    const used = ctx.quota.used(c.scope, c.periodStart, callKey);
    const max = rule.quota[i].max;
    return {
      scope: c.scope,
      periodStart: c.periodStart.toISOString(),
      used,
      max,
      held: used < max,
    };
  });
  trace.outcome = trace.quota.every((q) => q.held) ? "matched" : "quota-exhausted";
  return { trace, charges };
}

/**
 * Rule partitions (with `{field}` placeholders filled; a partition whose field is absent
 * is dropped) merged with the call's partitions attached-data key, split on the separator,
 * trimmed, de-duplicated and sorted.
 */
export function mergePartitions(
  ruleSet: RuleSet,
  rulePartitions: readonly string[],
  lookup: FieldLookup,
  call: CallFacts,
): string[] {
  const out = new Set<string>();
  for (const p of rulePartitions) {
    const filled = fillPlaceholders(p, lookup);
    if (filled !== undefined && filled !== "") out.add(filled);
  }
  for (const p of callPartitions(call.data, ruleSet.defaults)) out.add(p);
  return [...out].sort();
}

/**
 * The call's own partitions: the attached-data value under `partitionsKey`, split on
 * `partitionsSeparator`, trimmed, de-duplicated and sorted. The one parser of that value
 * (rules and record-all mode alike).
 */
export function callPartitions(
  data: Readonly<Record<string, string>>,
  { partitionsKey, partitionsSeparator }: Pick<Defaults, "partitionsKey" | "partitionsSeparator">,
): string[] {
  const out = new Set<string>();
  for (const p of (own(data, partitionsKey) ?? "").split(partitionsSeparator)) {
    const t = p.trim();
    if (t !== "") out.add(t);
  }
  return [...out].sort();
}

function fillPlaceholders(p: string, lookup: FieldLookup): string | undefined {
  let missing = false;
  const filled = p.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const v = lookup(name)?.trim();
    if (!v) missing = true;
    return v ?? "";
  });
  return missing ? undefined : filled.trim();
}
