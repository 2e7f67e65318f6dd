import assert from "node:assert/strict";
import { sampled, sampleDraw } from "./sampling.ts";
import { evaluate } from "./evaluate.ts";
import { NO_QUOTA_USED } from "./quota.ts";
import { callOf, ruleSetOf } from "./test_util_test.ts";

Deno.test("sampleDraw() is a stable function of call key, rule id and salt", () => {
  const d = sampleDraw("ucid-1", "sales-10", "salt");
  assert.equal(sampleDraw("ucid-1", "sales-10", "salt"), d);
  assert.ok(d >= 0 && d < 100);
  assert.notEqual(sampleDraw("ucid-2", "sales-10", "salt"), d);
  assert.notEqual(sampleDraw("ucid-1", "sales-11", "salt"), d);
  assert.notEqual(sampleDraw("ucid-1", "sales-10", "salt2"), d);
  // JSON framing: moving characters between the parts changes the draw.
  assert.notEqual(sampleDraw("ab", "c", "s"), sampleDraw("a", "bc", "s"));
});

Deno.test("sampled() never takes at 0 and always takes at 100", () => {
  for (let i = 0; i < 1000; i++) {
    const d = sampleDraw(`k${i}`, "r", "s");
    assert.equal(sampled(d, 0), false);
    assert.equal(sampled(d, 100), true);
  }
});

Deno.test("evaluate() realizes each rule's sample target within 1 point over 10,000 calls", () => {
  const targets = [1, 10, 33.3, 50, 90];
  // One rule per target, selected by attached data, so every call meets exactly one rule.
  const rules = targets.map((t, i) =>
    `  - id: r${i}\n    sample: ${t}\n    when: { field: data.T, equals: "${i}" }\n`
  ).join("");
  const rs = ruleSetOf(`version: 1\nrules:\n${rules}`);
  const ctx = { now: new Date("2026-11-27T10:00:00Z"), salt: "prod-salt", quota: NO_QUOTA_USED };
  const n = 10_000;
  targets.forEach((target, i) => {
    let recorded = 0;
    for (let c = 0; c < n; c++) {
      const d = evaluate(rs, callOf(`synthetic-call-${c}`, {}, { T: String(i) }), ctx);
      if (d.record) recorded++;
    }
    const share = (recorded / n) * 100;
    assert.ok(Math.abs(share - target) <= 1, `rule r${i}: target ${target}%, realized ${share}%`);
  });
});

Deno.test("evaluate() re-evaluates a call to the same decision (re-INVITE, transfer)", () => {
  const rs = ruleSetOf("version: 1\nrules:\n  - id: half\n    sample: 50\n");
  const ctx = { now: new Date("2026-11-27T10:00:00Z"), salt: "s", quota: NO_QUOTA_USED };
  let recorded = 0;
  for (let c = 0; c < 200; c++) {
    const first = evaluate(rs, callOf(`call-${c}`, { agentId: "1" }), ctx).record;
    const again = evaluate(rs, callOf(`call-${c}`, { agentId: "2" }), {
      ...ctx,
      now: new Date("2026-11-27T10:05:00Z"),
    }).record;
    assert.equal(again, first);
    if (first) recorded++;
  }
  assert.ok(recorded > 60 && recorded < 140, `recorded ${recorded} of 200`);
});
