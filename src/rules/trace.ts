/**
 * Decision trace: why a call was (not) recorded. Plain JSON with a stable shape, plus a
 * text renderer for the CLI.
 *
 * @module
 */
import type { ConditionTrace } from "./conditions.ts";

export type { ConditionTrace } from "./conditions.ts";

/** Why a tried rule did or did not decide the call. Steps run in this order. */
export type RuleOutcome =
  | "disabled"
  | "conditions-failed"
  | "outside-window"
  | "not-sampled"
  | "quota-exhausted"
  | "matched";

/** Trace of one tried rule. Steps not reached are null / empty. */
export interface RuleTrace {
  id: string;
  /** Where the rule is written, "file.yaml:line". */
  source: string;
  enabled: boolean;
  /** Null when the rule has no `when` (always holds) or was not reached. */
  conditions: ConditionTrace | null;
  /** `local` is the weekday and time in the window's time zone, e.g. "fri 22:15". */
  window: { held: boolean; local: string; timeZone: string } | null;
  /** The call's draw in [0, 100) (rounded to 4 decimals) against the rule's percentage. */
  sample: { draw: number; percent: number; held: boolean } | null;
  quota: { scope: string; periodStart: string; used: number; max: number; held: boolean }[];
  outcome: RuleOutcome;
}

/** The decision without its trace. */
export interface DecisionSummary {
  record: boolean;
  mode: "source" | "destination";
  partitions: string[];
  /** The deciding rule, or null when the default decided. */
  ruleId: string | null;
  retention: string | null;
  allowPause: boolean;
  format: "opus" | "wav";
}

/** Full trace of one evaluation. */
export interface DecisionTrace {
  callKey: string;
  /** Evaluation time, ISO 8601. */
  at: string;
  /** Fingerprint of the rule set used. */
  fingerprint: string;
  /** Rules tried, in order, up to and including the deciding one. */
  rules: RuleTrace[];
  decision: DecisionSummary;
}

const OUTCOME_TEXT: Record<RuleOutcome, string> = {
  disabled: "skipped (disabled)",
  "conditions-failed": "conditions failed",
  "outside-window": "outside time window",
  "not-sampled": "not sampled",
  "quota-exhausted": "quota exhausted",
  matched: "MATCHED",
};

/** Renders a trace as indented text for terminals and logs. */
export function renderTrace(t: DecisionTrace): string {
  const d = t.decision;
  const lines = [
    `call ${JSON.stringify(t.callKey)} at ${t.at} (rules ${t.fingerprint})`,
    `decision: ${d.record ? "RECORD" : "DO NOT RECORD"} by ${
      d.ruleId === null ? "default" : `rule ${d.ruleId}`
    }`,
  ];
  if (d.record) {
    lines.push(
      `  mode ${d.mode}, format ${d.format}, pause ${d.allowPause ? "allowed" : "not allowed"}, ` +
        `retention ${d.retention ?? "(default)"}, partitions ${d.partitions.join(",") || "(none)"}`,
    );
  }
  if (t.rules.length === 0) lines.push("no rules");
  for (const r of t.rules) lines.push(...renderRule(r));
  return lines.join("\n") + "\n";
}

function mark(held: boolean): string {
  return held ? "✓" : "✗";
}

function renderRule(r: RuleTrace): string[] {
  const out = [`rule ${r.id} (${r.source}): ${OUTCOME_TEXT[r.outcome]}`];
  if (r.conditions) out.push(...renderCondition(r.conditions, "    "));
  if (r.window) {
    out.push(`    ${mark(r.window.held)} window: ${r.window.local} ${r.window.timeZone}`);
  }
  if (r.sample) {
    const s = r.sample;
    out.push(
      `    ${mark(s.held)} sample: draw ${s.draw.toFixed(4)} ${s.held ? "<" : ">="} ${s.percent}`,
    );
  }
  for (const q of r.quota) {
    out.push(`    ${mark(q.held)} quota ${q.scope}: used ${q.used} of ${q.max}`);
  }
  return out;
}

function renderCondition(c: ConditionTrace, indent: string): string[] {
  if ("items" in c) {
    return [
      `${indent}${mark(c.held)} ${c.op} of`,
      ...c.items.flatMap((i) => renderCondition(i, indent + "  ")),
    ];
  }
  if ("item" in c) {
    return [`${indent}${mark(c.held)} not`, ...renderCondition(c.item, indent + "  ")];
  }
  const seen = c.seen === null ? "absent" : JSON.stringify(c.seen);
  return [
    `${indent}${mark(c.held)} ${c.field} ${c.op} ${JSON.stringify(c.expected)} (seen ${seen})`,
  ];
}
