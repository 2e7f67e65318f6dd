/**
 * A stored decision trace (src/rules/trace.ts) as a table: per tried rule its
 * conditions with the value the call carried, the time window, the sample draw, the
 * quotas and the outcome; the JSON stays behind a `<details>` toggle. API decisions show
 * the API's own trace; record-all decisions say so.
 */
import type { ConditionTrace, DecisionTrace, RuleTrace } from "../../src/rules/trace.ts";

const OUTCOME: Record<RuleTrace["outcome"], string> = {
  disabled: "skipped (disabled)",
  "conditions-failed": "conditions failed",
  "outside-window": "outside time window",
  "not-sampled": "not sampled",
  "quota-exhausted": "quota used up",
  matched: "matched",
};

function mark(held: boolean): string {
  return held ? "✓" : "✗";
}

/** One condition as text: `✓ businessUnit equals "sales" (seen "sales")`. */
export function conditionLines(c: ConditionTrace, depth = 0): { text: string; held: boolean }[] {
  const pad = "  ".repeat(depth);
  if ("items" in c) {
    return [
      { text: `${pad}${mark(c.held)} ${c.op} of`, held: c.held },
      ...c.items.flatMap((i) => conditionLines(i, depth + 1)),
    ];
  }
  if ("item" in c) {
    return [
      { text: `${pad}${mark(c.held)} not`, held: c.held },
      ...conditionLines(c.item, depth + 1),
    ];
  }
  const seen = c.seen === null ? "absent" : JSON.stringify(c.seen);
  return [{
    text: `${pad}${mark(c.held)} ${c.field} ${c.op} ${JSON.stringify(c.expected)} (seen ${seen})`,
    held: c.held,
  }];
}

/** The rule trace inside a stored trace, following an API decision to the API's trace. */
export function ruleTraceOf(trace: unknown): DecisionTrace | null {
  const t = trace as Record<string, unknown> | null;
  if (!t || typeof t !== "object") return null;
  if (t.decidedBy === "api") return ruleTraceOf(t.api);
  return Array.isArray(t.rules) ? t as unknown as DecisionTrace : null;
}

function RuleRow(props: { r: RuleTrace }) {
  const { r } = props;
  const lines = r.conditions ? conditionLines(r.conditions) : [];
  return (
    <tr data-rule={r.id} data-outcome={r.outcome}>
      <th scope="row">
        {r.id}
        <br />
        <small class="muted">{r.source}</small>
      </th>
      <td>
        {!r.enabled ? "disabled" : lines.length === 0 ? "always" : (
          <ul class="conditions">
            {lines.map((l, i) => (
              <li key={i} class={l.held ? "held" : "failed"}>
                <code>{l.text}</code>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>{r.window ? `${mark(r.window.held)} ${r.window.local} ${r.window.timeZone}` : "–"}</td>
      <td>
        {r.sample
          ? `${mark(r.sample.held)} draw ${r.sample.draw.toFixed(4)} ${
            r.sample.held ? "<" : "≥"
          } ${r.sample.percent}%`
          : "–"}
      </td>
      <td>
        {r.quota.length === 0 ? "–" : r.quota.map((q) => (
          <div key={q.scope}>
            {mark(q.held)} {q.scope}: {q.used} of {q.max}
          </div>
        ))}
      </td>
      <td class={r.outcome === "matched" ? "held" : ""}>{OUTCOME[r.outcome] ?? r.outcome}</td>
    </tr>
  );
}

/** The table for one stored trace (text as stored), and its JSON behind a toggle. */
export function TraceTable(props: { trace: string }) {
  let parsed: unknown = null;
  let pretty = props.trace;
  try {
    parsed = JSON.parse(props.trace);
    pretty = JSON.stringify(parsed, null, 2);
  } catch {
    // shown as stored
  }
  const t = ruleTraceOf(parsed);
  const recordAll = (parsed as { recordAll?: boolean } | null)?.recordAll;
  return (
    <>
      {t
        ? (
          <div class="table-scroll" tabindex={0} role="region" aria-label="Decision trace">
            <table class="trace-table">
              <caption>
                Call {t.callKey} decided at {t.at} (rules {t.fingerprint}):{" "}
                <strong>{t.decision.record ? "record" : "do not record"}</strong> by{" "}
                {t.decision.ruleId === null ? "the default" : `rule ${t.decision.ruleId}`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Conditions (value seen)</th>
                  <th scope="col">Time window</th>
                  <th scope="col">Sample</th>
                  <th scope="col">Quota</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {t.rules.length === 0
                  ? (
                    <tr>
                      <td colspan={6}>No rule was tried: the default decided.</td>
                    </tr>
                  )
                  : t.rules.map((r) => <RuleRow key={r.id} r={r} />)}
              </tbody>
            </table>
          </div>
        )
        : (
          <p>
            {recordAll === undefined
              ? "No rule trace was stored for this decision."
              : `Record-all mode (no rules): ${recordAll ? "record" : "do not record"}.`}
          </p>
        )}
      <details>
        <summary>Trace as JSON</summary>
        <pre class="trace">{pretty}</pre>
      </details>
    </>
  );
}
