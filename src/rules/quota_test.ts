import assert from "node:assert/strict";
import { MemoryQuota, quotaScope } from "./quota.ts";
import { evaluate } from "./evaluate.ts";
import { callOf, ruleSetOf } from "./test_util_test.ts";

const NOW = new Date("2026-11-29T10:00:00Z");

Deno.test("quotaScope() names rule, per-field value and local period", () => {
  const q = { max: 5, per: "agentId", period: "day" as const, timeZone: "Europe/London" };
  const values: Record<string, string> = { agentId: "a|b 1" };
  assert.deepEqual(quotaScope("vip", q, NOW, (f) => values[f]), {
    scope: "rule:vip|agentId:a%7Cb%201|day:2026-11-29",
    periodStart: new Date("2026-11-29T00:00:00Z"),
  });
  assert.equal(
    quotaScope("vip", q, NOW, () => undefined).scope,
    "rule:vip|agentId:-|day:2026-11-29",
  );
  const perRule = { max: 5, per: "rule", period: "hour" as const, timeZone: "UTC" };
  assert.equal(quotaScope("vip", perRule, NOW, () => "x").scope, "rule:vip|hour:2026-11-29T10");
});

Deno.test("MemoryQuota counts each call once and excludes the call asking", () => {
  const q = new MemoryQuota();
  const c = [{ scope: "s", periodStart: NOW }];
  q.charge("a", c);
  q.charge("a", c);
  q.charge("b", c);
  assert.equal(q.used("s", NOW), 2);
  assert.equal(q.used("s", NOW, "a"), 1);
  assert.equal(q.used("s", NOW, "z"), 2);
  assert.equal(q.used("s", new Date(0)), 0);
  q.prune(new Date(NOW.getTime() + 1));
  assert.equal(q.used("s", NOW), 0);
});

const RULES = `version: 1
rules:
  - id: capped
    quota:
      - { max: 2, per: agentId, period: day }
      - { max: 3, period: day }
    then: { partitions: [capped] }
  - id: fallback
    sample: 100
    then: { record: false }
`;

Deno.test("a full quota skips the rule and evaluation continues with the next rule", () => {
  const rs = ruleSetOf(RULES);
  const quota = new MemoryQuota();
  const run = (key: string, agentId: string) => {
    const d = evaluate(rs, callOf(key, { agentId }), { now: NOW, salt: "s", quota });
    if (d.record) quota.charge(key, d.charges);
    return d;
  };
  assert.equal(run("c1", "A").ruleId, "capped");
  assert.equal(run("c2", "A").ruleId, "capped");
  const third = run("c3", "A");
  assert.equal(third.ruleId, "fallback");
  assert.equal(third.record, false);
  assert.deepEqual(third.charges, []);
  assert.deepEqual(third.trace.rules[0].quota.map((q) => [q.used, q.max, q.held]), [
    [2, 2, false],
    [2, 3, true],
  ]);
  assert.equal(third.trace.rules[0].outcome, "quota-exhausted");
  assert.equal(run("c4", "B").ruleId, "capped"); // per-rule count now 3
  assert.equal(run("c5", "C").ruleId, "fallback");
  // A re-INVITE of an already counted call keeps its decision.
  assert.equal(run("c1", "A").ruleId, "capped");
  // Next day the counters start again.
  const tomorrow = evaluate(rs, callOf("c6", { agentId: "A" }), {
    now: new Date("2026-11-30T10:00:00Z"),
    salt: "s",
    quota,
  });
  assert.equal(tomorrow.ruleId, "capped");
  assert.equal(tomorrow.charges.length, 2);
});
