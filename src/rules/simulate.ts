/**
 * `rules simulate`: re-runs a rule set over past calls and compares, per rule, how many
 * calls it would have recorded with how many were recorded.
 *
 * @module
 */
import { type CallFacts, evaluate } from "./evaluate.ts";
import { MemoryQuota } from "./quota.ts";
import type { RuleSet } from "./schema.ts";

/** A stored call as the simulation needs it. */
export interface PastCall extends CallFacts {
  startedAt: Date;
  /** Whether the call was recorded. */
  recorded: boolean;
  /** The rule that decided it then, or null for the default. */
  ruleId: string | null;
}

/** One row of the report; `ruleId` null is the default decision. */
export interface SimulationRow {
  ruleId: string | null;
  /** Whether the rule exists in the simulated rule set. */
  inRuleSet: boolean;
  /** Calls the simulated rules would have recorded by this rule. */
  wouldRecord: number;
  /** Calls recorded by this rule at the time. */
  didRecord: number;
}

/** Result of a simulation. */
export interface SimulationReport {
  fingerprint: string;
  calls: number;
  wouldRecord: number;
  didRecord: number;
  /** Calls whose record/no-record outcome differs. */
  changed: number;
  rows: SimulationRow[];
}

/**
 * Accumulates a simulation call by call (feed from a sync loop or a DB stream).
 * Quotas are simulated with fresh in-memory counters charged in feeding order, so feed
 * calls in `startedAt` order. Each call is evaluated at its own `startedAt`.
 */
export class Simulation {
  #ruleSet: RuleSet;
  #salt: string;
  #quota = new MemoryQuota();
  #rows = new Map<string | null, SimulationRow>();
  #calls = 0;
  #changed = 0;

  constructor(ruleSet: RuleSet, opts: { salt: string }) {
    this.#ruleSet = ruleSet;
    this.#salt = opts.salt;
    for (const r of ruleSet.rules) this.#row(r.id);
    this.#row(null);
  }

  #row(id: string | null): SimulationRow {
    let row = this.#rows.get(id);
    if (!row) {
      const inRuleSet = id === null || this.#ruleSet.rules.some((r) => r.id === id);
      row = { ruleId: id, inRuleSet, wouldRecord: 0, didRecord: 0 };
      this.#rows.set(id, row);
    }
    return row;
  }

  /** Adds one past call. */
  add(call: PastCall): void {
    const d = evaluate(this.#ruleSet, call, {
      now: call.startedAt,
      salt: this.#salt,
      quota: this.#quota,
    });
    if (d.record) {
      this.#quota.charge(call.callKey, d.charges);
      this.#row(d.ruleId).wouldRecord++;
    }
    if (call.recorded) this.#row(call.ruleId).didRecord++;
    if (d.record !== call.recorded) this.#changed++;
    this.#calls++;
  }

  /** The report so far: rules in rule-set order, then the default, then rules no longer present. */
  report(): SimulationReport {
    const rows = [...this.#rows.values()];
    return {
      fingerprint: this.#ruleSet.fingerprint,
      calls: this.#calls,
      wouldRecord: rows.reduce((n, r) => n + r.wouldRecord, 0),
      didRecord: rows.reduce((n, r) => n + r.didRecord, 0),
      changed: this.#changed,
      rows: rows.map((r) => ({ ...r })),
    };
  }
}

/** Simulates `ruleSet` over `calls` (in `startedAt` order). Pure apart from its own counters. */
export function simulate(
  ruleSet: RuleSet,
  calls: Iterable<PastCall>,
  opts: { salt: string },
): SimulationReport {
  const sim = new Simulation(ruleSet, opts);
  for (const c of calls) sim.add(c);
  return sim.report();
}

/** Renders a report as a text table. */
export function renderSimulation(r: SimulationReport): string {
  const name = (row: SimulationRow) =>
    (row.ruleId ?? "(default)") + (row.inRuleSet ? "" : " (not in rules)");
  const width = Math.max(4, ...r.rows.map((row) => name(row).length));
  const pct = (n: number) => r.calls === 0 ? "-" : `${((n / r.calls) * 100).toFixed(1)}%`;
  const line = (a: string, b: string, c: string) =>
    `${a.padEnd(width)}  ${b.padStart(12)}  ${c.padStart(12)}`;
  const out = [
    `simulated ${r.calls} calls with rules ${r.fingerprint}`,
    line("rule", "would record", "did record"),
    ...r.rows.map((row) => line(name(row), String(row.wouldRecord), String(row.didRecord))),
    line("total", `${r.wouldRecord} ${pct(r.wouldRecord)}`, `${r.didRecord} ${pct(r.didRecord)}`),
    `${r.changed} calls would change outcome`,
  ];
  return out.join("\n") + "\n";
}

/**
 * Parses a `--since` value: a duration back from `now` ("7d", "24h", "30m") or an ISO date.
 * Throws SyntaxError when it is neither.
 */
export function parseSince(s: string, now: Date): Date {
  const m = /^(\d+)([dhm])$/.exec(s.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  const d = new Date(s);
  if (s.trim() === "" || Number.isNaN(d.getTime())) {
    throw new SyntaxError(`Cannot parse since "${s}": expected e.g. 7d, 24h, 30m or an ISO date`);
  }
  return d;
}
