import assert from "node:assert/strict";
import fc from "fast-check";
import { callKeyOf, evaluate } from "./evaluate.ts";
import { NO_QUOTA_USED } from "./quota.ts";
import { buildRuleSet } from "./loader.ts";
import { callOf, ruleSetOf } from "./test_util_test.ts";

const ctx = { now: new Date("2026-11-27T10:00:00Z"), salt: "s", quota: NO_QUOTA_USED };

const RULES = `version: 1
defaults: { retention: standard, timeZone: Europe/London }
rules:
  - id: off
    enabled: false
    then: { record: true }
  - id: no-internal
    when: { field: direction, equals: internal }
    then: { record: false }
  - id: vip
    when: { field: customerType, equals: VIP }
    then: { mode: source, retention: long, allowPause: false, format: wav, partitions: [vip, "bu-{businessUnit}"] }
  - id: never-sampled
    sample: 0
  - id: office-hours
    window: { days: weekdays, hours: "09:00-17:00" }
    then: { partitions: [office] }
`;

Deno.test("evaluate() lets the first matching rule decide", () => {
  const rs = ruleSetOf(RULES);
  const d = evaluate(rs, callOf("k", { customerType: "VIP", businessUnit: "Sales" }), ctx);
  assert.deepEqual(
    { ...d, trace: undefined, charges: undefined },
    {
      record: true,
      mode: "source",
      partitions: ["bu-Sales", "vip"],
      ruleId: "vip",
      retention: "long",
      allowPause: false,
      format: "wav",
      trace: undefined,
      charges: undefined,
    },
  );
  assert.deepEqual(d.trace.rules.map((r) => [r.id, r.outcome]), [
    ["off", "disabled"],
    ["no-internal", "conditions-failed"],
    ["vip", "matched"],
  ]);
});

Deno.test("evaluate() stops at a matching record: false rule", () => {
  const rs = ruleSetOf(RULES);
  const d = evaluate(rs, callOf("k", { direction: "internal", customerType: "VIP" }), ctx);
  assert.equal(d.record, false);
  assert.equal(d.ruleId, "no-internal");
  assert.deepEqual(d.charges, []);
});

Deno.test("evaluate() continues past an unsampled rule and applies rule defaults", () => {
  const rs = ruleSetOf(RULES);
  const d = evaluate(rs, callOf("k", {}, { GRECORD_PARTITIONS: " b,a,,office, b" }), ctx);
  assert.equal(d.ruleId, "office-hours");
  assert.equal(d.trace.rules[3].outcome, "not-sampled");
  assert.deepEqual(d.trace.rules[3].sample?.percent, 0);
  assert.deepEqual(d.partitions, ["a", "b", "office"]);
  assert.equal(d.mode, "destination");
  assert.equal(d.retention, "standard");
  assert.equal(d.format, "opus");
  assert.equal(d.allowPause, true);
});

Deno.test("evaluate() falls back to defaults.record when no rule matches", () => {
  const rs = ruleSetOf(RULES);
  const saturday = { ...ctx, now: new Date("2026-11-28T10:00:00Z") };
  const d = evaluate(rs, callOf("k", {}, { GRECORD_PARTITIONS: "x" }), saturday);
  assert.equal(d.record, false);
  assert.equal(d.ruleId, null);
  assert.deepEqual(d.partitions, ["x"]);
  assert.equal(d.trace.rules.at(-1)?.outcome, "outside-window");
  assert.equal(d.trace.rules.at(-1)?.window?.local, "sat 10:00");
  const recordAll = ruleSetOf("version: 1\ndefaults: { record: true }\n");
  assert.equal(evaluate(recordAll, callOf("k"), ctx).record, true);
});

Deno.test("evaluate() drops a partition whose placeholder field is absent", () => {
  const rs = ruleSetOf(RULES);
  const d = evaluate(rs, callOf("k", { customerType: "VIP" }), ctx);
  assert.deepEqual(d.partitions, ["vip"]);
});

Deno.test("evaluate() reads the partitions key and separator from defaults", () => {
  const rs = ruleSetOf(
    "version: 1\ndefaults: { record: true, partitionsKey: PARTS, partitionsSeparator: ';' }\n",
  );
  const d = evaluate(rs, callOf("k", {}, { PARTS: "z;y;z", GRECORD_PARTITIONS: "no" }), ctx);
  assert.deepEqual(d.partitions, ["y", "z"]);
});

Deno.test("evaluate() does not read inherited properties as fields", () => {
  const rs = ruleSetOf(
    "version: 1\nrules:\n  - id: r\n    when: { field: data.constructor, exists: true }\n",
  );
  assert.equal(evaluate(rs, callOf("k"), ctx).ruleId, null);
});

Deno.test("evaluate() rejects an invalid clock", () => {
  assert.throws(
    () => evaluate(ruleSetOf(RULES), callOf("k"), { ...ctx, now: new Date("nope") }),
    RangeError,
  );
});

Deno.test("callKeyOf() prefers UCID, then SIPREC session id, then Call-ID", () => {
  assert.equal(callKeyOf({ ucid: "u", siprecSessionId: "s", callId: "c" }), "u");
  assert.equal(callKeyOf({ siprecSessionId: "s", callId: "c" }), "s");
  assert.equal(callKeyOf({ ucid: "", callId: "c" }), "c");
  assert.throws(() => callKeyOf({}), TypeError);
});

// --- property: random rule files and calls never make evaluate() throw ---

const FIELDS = ["businessUnit", "language", "dn", "agentId", "data.X", "data.GRECORD_PARTITIONS"];
const text = fc.string({ maxLength: 6 });
const leaf = fc.oneof(
  fc.record({ field: fc.constantFrom(...FIELDS), equals: text }),
  fc.record({
    field: fc.constantFrom(...FIELDS),
    in: fc.array(text, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ field: fc.constantFrom(...FIELDS), prefix: text, ignoreCase: fc.boolean() }),
  fc.record({
    field: fc.constantFrom(...FIELDS),
    regex: fc.constantFrom("^a", "b$", "[0-9]+", ".*"),
  }),
  fc.record({ field: fc.constantFrom(...FIELDS), exists: fc.boolean() }),
  fc.record({
    field: fc.constantFrom(...FIELDS),
    gt: fc.double({ noNaN: true, noDefaultInfinity: true }),
  }),
  fc.record({ field: fc.constantFrom(...FIELDS), between: fc.constant([1, 5]) }),
);
const { cond } = fc.letrec((tie) => ({
  cond: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie("cond"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie("cond"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie("cond") }),
  ),
}));
const rule = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  enabled: fc.boolean(),
  when: cond,
  sample: fc.double({ min: 0, max: 100, noNaN: true }),
  window: fc.option(
    fc.record({
      days: fc.constantFrom("weekdays", "sat-mon"),
      hours: fc.constantFrom("08:00-18:00", "22:00-06:00"),
    }),
    { nil: undefined },
  ),
  quota: fc.array(
    fc.record({
      max: fc.nat(3),
      per: fc.constantFrom("rule", "agentId", "data.X"),
      period: fc.constantFrom("hour", "day", "week", "month"),
    }),
    { maxLength: 2 },
  ),
  then: fc.record({
    partitions: fc.array(fc.constantFrom("p", "{dn}", "q-{data.X}"), { maxLength: 2 }),
  }),
}, { requiredKeys: ["id", "when", "then"] });
const values = fc.dictionary(
  fc.constantFrom(...FIELDS.filter((f) => !f.startsWith("data."))),
  fc.string({ maxLength: 8 }),
);
const data = fc.dictionary(
  fc.constantFrom("X", "GRECORD_PARTITIONS", "__proto__", "constructor"),
  fc.string({ maxLength: 8 }),
);

Deno.test("evaluate() never throws for random valid rule files and calls", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(rule, { selector: (r) => r.id, maxLength: 5 }),
      fc.string({ maxLength: 12 }),
      values,
      data,
      fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
      (rules, key, fields, attached, now) => {
        const r = buildRuleSet([{ name: "p.yaml", text: JSON.stringify({ version: 1, rules }) }]);
        assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
        const d = evaluate(r.ruleSet, { callKey: key, fields, data: attached }, {
          now,
          salt: "s",
          quota: NO_QUOTA_USED,
        });
        assert.equal(typeof d.record, "boolean");
        assert.deepEqual(JSON.parse(JSON.stringify(d.trace)).decision, d.trace.decision);
      },
    ),
    { numRuns: 300 },
  );
});
