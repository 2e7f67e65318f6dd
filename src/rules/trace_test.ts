import assert from "node:assert/strict";
import { evaluate } from "./evaluate.ts";
import { MemoryQuota } from "./quota.ts";
import { renderTrace } from "./trace.ts";
import { callOf, ruleSetOf } from "./test_util_test.ts";

const RULES = `version: 1
rules:
  - id: off
    enabled: false
  - id: es-collections
    when:
      all:
        - { field: businessUnit, equals: Collections }
        - not: { field: language, in: [en] }
    window: { days: weekdays, hours: "08:00-18:00" }
    sample: 100
    quota: { max: 1, per: agentId }
    then: { retention: long }
`;

Deno.test("the trace is plain JSON with a stable shape", () => {
  const d = evaluate(ruleSetOf(RULES), callOf("k", { businessUnit: "Collections", agentId: "7" }), {
    now: new Date("2026-11-27T10:00:00Z"),
    salt: "s",
    quota: new MemoryQuota(),
  });
  const t = JSON.parse(JSON.stringify(d.trace));
  assert.deepEqual(t, d.trace);
  assert.deepEqual(Object.keys(t), ["callKey", "at", "fingerprint", "rules", "decision"]);
  assert.deepEqual(t.rules[0], {
    id: "off",
    source: "t.yaml:3",
    enabled: false,
    conditions: null,
    window: null,
    sample: null,
    quota: [],
    outcome: "disabled",
  });
  const r = t.rules[1];
  assert.deepEqual(r.window, { held: true, local: "fri 10:00", timeZone: "UTC" });
  assert.deepEqual(r.quota, [{
    scope: "rule:es-collections|agentId:7|day:2026-11-27",
    periodStart: "2026-11-27T00:00:00.000Z",
    used: 0,
    max: 1,
    held: true,
  }]);
  assert.equal(r.sample?.percent, 100);
  assert.equal(r.outcome, "matched");
  assert.deepEqual(d.charges, [{
    scope: "rule:es-collections|agentId:7|day:2026-11-27",
    periodStart: new Date("2026-11-27T00:00:00.000Z"),
  }]);
});

Deno.test("renderTrace() explains each rule tried and the decision", () => {
  const d = evaluate(
    ruleSetOf(RULES),
    callOf("k", { businessUnit: "Collections", language: "en" }),
    {
      now: new Date("2026-11-27T10:00:00Z"),
      salt: "s",
      quota: new MemoryQuota(),
    },
  );
  assert.equal(
    renderTrace(d.trace),
    `call "k" at 2026-11-27T10:00:00.000Z (rules ${d.trace.fingerprint})
decision: DO NOT RECORD by default
rule off (t.yaml:3): skipped (disabled)
rule es-collections (t.yaml:5): conditions failed
    ✗ all of
      ✓ businessUnit equals "Collections" (seen "Collections")
      ✗ not
        ✓ language in ["en"] (seen "en")
`,
  );
});
