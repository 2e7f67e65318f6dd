import assert from "node:assert/strict";
import { parseSince, type PastCall, renderSimulation, simulate } from "./simulate.ts";
import { ruleSetOf } from "./test_util_test.ts";

const RULES = `version: 1
rules:
  - id: vip
    when: { field: customerType, equals: VIP }
  - id: capped
    when: { field: businessUnit, equals: Sales }
    quota: { max: 2, per: rule, period: day }
`;

function past(
  i: number,
  fields: Record<string, string>,
  recorded: boolean,
  ruleId: string | null,
): PastCall {
  return {
    callKey: `c${i}`,
    fields,
    data: {},
    startedAt: new Date(Date.UTC(2026, 10, 27, 9, i)),
    recorded,
    ruleId,
  };
}

Deno.test("simulate() counts would-record against did-record per rule, with quotas", () => {
  const calls = [
    past(1, { customerType: "VIP" }, true, "vip"),
    past(2, { customerType: "VIP" }, false, null),
    past(3, { businessUnit: "Sales" }, true, "old-sales"),
    past(4, { businessUnit: "Sales" }, true, "old-sales"),
    past(5, { businessUnit: "Sales" }, true, "old-sales"),
    past(6, {}, false, null),
  ];
  const r = simulate(ruleSetOf(RULES), calls, { salt: "s" });
  assert.deepEqual(r.rows, [
    { ruleId: "vip", inRuleSet: true, wouldRecord: 2, didRecord: 1 },
    { ruleId: "capped", inRuleSet: true, wouldRecord: 2, didRecord: 0 },
    { ruleId: null, inRuleSet: true, wouldRecord: 0, didRecord: 0 },
    { ruleId: "old-sales", inRuleSet: false, wouldRecord: 0, didRecord: 3 },
  ]);
  assert.deepEqual([r.calls, r.wouldRecord, r.didRecord, r.changed], [6, 4, 4, 2]);
  const text = renderSimulation(r);
  assert.match(text, /^simulated 6 calls with rules [0-9a-f]{16}\n/);
  assert.match(text, /old-sales \(not in rules\) +0 +3\n/);
  assert.match(text, /total +4 66\.7% +4 66\.7%\n2 calls would change outcome\n$/);
});

Deno.test("parseSince() takes durations and ISO dates", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  assert.equal(parseSince("7d", now).toISOString(), "2026-11-22T12:00:00.000Z");
  assert.equal(parseSince("24h", now).toISOString(), "2026-11-28T12:00:00.000Z");
  assert.equal(parseSince("30m", now).toISOString(), "2026-11-29T11:30:00.000Z");
  assert.equal(parseSince("2026-11-01", now).toISOString(), "2026-11-01T00:00:00.000Z");
  assert.throws(() => parseSince("last week", now), SyntaxError);
  assert.throws(() => parseSince("", now), SyntaxError);
});
