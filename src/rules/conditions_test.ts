import assert from "node:assert/strict";
import { Condition, type ConditionNode } from "./condition_schema.ts";
import { evalCondition, parseNumber } from "./conditions.ts";

function node(raw: unknown): ConditionNode {
  return Condition.parse(raw);
}

function holds(raw: unknown, values: Record<string, string>): boolean {
  return evalCondition(node(raw), (f) => values[f]).held;
}

Deno.test("equals compares text exactly, or ignoring case when asked", () => {
  assert.equal(holds({ field: "language", equals: "es" }, { language: "es" }), true);
  assert.equal(holds({ field: "language", equals: "es" }, { language: "ES" }), false);
  assert.equal(
    holds({ field: "language", equals: "es", ignoreCase: true }, { language: "ES" }),
    true,
  );
  assert.equal(holds({ field: "language", equals: "es" }, {}), false);
});

Deno.test("in holds when the value is one of the listed values", () => {
  const c = { field: "customerType", in: ["VIP", "Gold"] };
  assert.equal(holds(c, { customerType: "Gold" }), true);
  assert.equal(holds(c, { customerType: "gold" }), false);
  assert.equal(holds({ ...c, ignoreCase: true }, { customerType: "gold" }), true);
  assert.equal(holds(c, { customerType: "Silver" }), false);
});

Deno.test("prefix accepts one prefix or a list", () => {
  assert.equal(holds({ field: "dnis", prefix: "0800" }, { dnis: "08001234" }), true);
  assert.equal(holds({ field: "dnis", prefix: ["0800", "0845"] }, { dnis: "0845999" }), true);
  assert.equal(holds({ field: "dnis", prefix: "0800" }, { dnis: "0900" }), false);
  assert.equal(
    holds({ field: "queue", prefix: "sales", ignoreCase: true }, { queue: "SALES_1" }),
    true,
  );
});

Deno.test("regex searches the value and honours ignoreCase", () => {
  assert.equal(holds({ field: "ani", regex: "^\\+44" }, { ani: "+447700900123" }), true);
  assert.equal(holds({ field: "ani", regex: "^\\+44" }, { ani: "0044" }), false);
  assert.equal(
    holds({ field: "data.REASON", regex: "dispute" }, { "data.REASON": "A Dispute" }),
    false,
  );
  assert.equal(
    holds({ field: "data.REASON", regex: "dispute", ignoreCase: true }, {
      "data.REASON": "A Dispute",
    }),
    true,
  );
});

Deno.test("exists treats an empty value as absent", () => {
  assert.equal(holds({ field: "agentId", exists: true }, { agentId: "7" }), true);
  assert.equal(holds({ field: "agentId", exists: true }, { agentId: "" }), false);
  assert.equal(holds({ field: "agentId", exists: true }, {}), false);
  assert.equal(holds({ field: "agentId", exists: false }, {}), true);
  assert.equal(holds({ field: "agentId", exists: false }, { agentId: "7" }), false);
});

Deno.test("numeric comparisons parse the value and fail on non-numbers", () => {
  const v = { "data.SCORE": "10" };
  assert.equal(holds({ field: "data.SCORE", gt: 9.5 }, v), true);
  assert.equal(holds({ field: "data.SCORE", gt: 10 }, v), false);
  assert.equal(holds({ field: "data.SCORE", gte: 10 }, v), true);
  assert.equal(holds({ field: "data.SCORE", lt: 10 }, v), false);
  assert.equal(holds({ field: "data.SCORE", lte: 10 }, v), true);
  assert.equal(holds({ field: "data.SCORE", between: [10, 20] }, v), true);
  assert.equal(holds({ field: "data.SCORE", between: [10.5, 20] }, v), false);
  assert.equal(holds({ field: "data.SCORE", gt: 0 }, { "data.SCORE": "10abc" }), false);
  assert.equal(holds({ field: "data.SCORE", lt: 100 }, { "data.SCORE": "" }), false);
  assert.equal(holds({ field: "data.SCORE", lt: 100 }, {}), false);
});

Deno.test("parseNumber() accepts decimal numbers only", () => {
  assert.equal(parseNumber(" -1.5 "), -1.5);
  assert.equal(parseNumber("1e3"), 1000);
  assert.equal(parseNumber(".5"), 0.5);
  for (const bad of ["", " ", "0x10", "1,5", "Infinity", "NaN", "1e999", "abc"]) {
    assert.equal(parseNumber(bad), undefined, bad);
  }
});

Deno.test("all, any and not combine tests and trace every branch", () => {
  const c = {
    all: [
      { field: "businessUnit", equals: "Collections" },
      { any: [{ field: "language", equals: "es" }, { field: "language", equals: "pt" }] },
      { not: { field: "direction", equals: "internal" } },
    ],
  };
  assert.equal(
    holds(c, { businessUnit: "Collections", language: "pt", direction: "inbound" }),
    true,
  );
  assert.equal(holds(c, { businessUnit: "Collections", language: "en" }), false);
  assert.equal(
    holds(c, { businessUnit: "Collections", language: "es", direction: "internal" }),
    false,
  );
  const t = evalCondition(node(c), (f) => ({ businessUnit: "Sales" } as Record<string, string>)[f]);
  assert.deepEqual(t, {
    op: "all",
    held: false,
    items: [
      { op: "equals", field: "businessUnit", expected: "Collections", seen: "Sales", held: false },
      {
        op: "any",
        held: false,
        items: [
          { op: "equals", field: "language", expected: "es", seen: null, held: false },
          { op: "equals", field: "language", expected: "pt", seen: null, held: false },
        ],
      },
      {
        op: "not",
        held: true,
        item: { op: "equals", field: "direction", expected: "internal", seen: null, held: false },
      },
    ],
  });
});

Deno.test("Condition rejects mixed shapes, missing operators and unknown fields", () => {
  const msg = (raw: unknown) => Condition.safeParse(raw).error?.issues.map((i) => i.message);
  assert.deepEqual(msg({}), ["Condition needs one of all, any, not or field"]);
  assert.deepEqual(msg({ all: [{ field: "dn", exists: true }], field: "dn" }), [
    'Condition mixes "all" and "field": use exactly one',
  ]);
  assert.match(String(msg({ field: "dn" })), /needs one operator/);
  assert.match(String(msg({ field: "dn", equals: "1", prefix: "1" })), /has 2 operators/);
  assert.match(String(msg({ field: "colour", equals: "red" })), /Unknown field/);
  assert.match(String(msg({ field: "dn", regex: "(" })), /Invalid regex "\("/);
  assert.match(String(msg({ field: "dn", between: [5, 1] })), /low <= high/);
  assert.match(String(msg({ field: "dn", equals: "1", colour: 1 })), /Unrecognized key/);
});
