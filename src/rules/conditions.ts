/**
 * Evaluates a condition tree against call facts, producing a trace node for every test.
 * Every branch is evaluated (no short-circuit) so the trace explains the whole tree.
 *
 * @module
 */
import type { ConditionNode, TestNode } from "./condition_schema.ts";

/** Trace of one condition node. */
export type ConditionTrace =
  | { op: "all" | "any"; held: boolean; items: ConditionTrace[] }
  | { op: "not"; held: boolean; item: ConditionTrace }
  | {
    op: TestNode["op"];
    field: string;
    expected: string | string[] | number | [number, number] | boolean;
    /** The value the call carried, or null when the field is absent. */
    seen: string | null;
    held: boolean;
  };

/** Looks up a field (`businessUnit`, `data.KEY`, …) on a call; undefined when absent. */
export type FieldLookup = (field: string) => string | undefined;

/** Evaluates `node` and returns its trace; `trace.held` is the result. */
export function evalCondition(node: ConditionNode, lookup: FieldLookup): ConditionTrace {
  switch (node.kind) {
    case "all": {
      const items = node.items.map((n) => evalCondition(n, lookup));
      return { op: "all", held: items.every((t) => t.held), items };
    }
    case "any": {
      const items = node.items.map((n) => evalCondition(n, lookup));
      return { op: "any", held: items.some((t) => t.held), items };
    }
    case "not": {
      const item = evalCondition(node.item, lookup);
      return { op: "not", held: !item.held, item };
    }
    case "test": {
      const seen = lookup(node.field);
      return {
        op: node.op,
        field: node.field,
        expected: node.expected,
        seen: seen ?? null,
        held: testHolds(node, seen),
      };
    }
  }
}

/**
 * Parses a field value as a number: optional sign, digits, optional fraction or exponent,
 * surrounding blanks ignored. Anything else (empty, "12abc", "0x10") is not a number.
 */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function fold(s: string, ignoreCase: boolean): string {
  return ignoreCase ? s.toLowerCase() : s;
}

/**
 * Whether one test holds. An absent field fails every operator except `exists: false`;
 * an empty value counts as absent for `exists`. Numeric operators fail on non-numbers.
 */
export function testHolds(node: TestNode, seen: string | undefined): boolean {
  if (node.op === "exists") return (seen !== undefined && seen !== "") === node.expected;
  if (seen === undefined) return false;
  switch (node.op) {
    case "equals":
      return fold(seen, node.ignoreCase) === fold(node.expected, node.ignoreCase);
    case "in":
      return node.expected.some((e) => fold(e, node.ignoreCase) === fold(seen, node.ignoreCase));
    case "prefix":
      return node.expected.some((p) =>
        fold(seen, node.ignoreCase).startsWith(fold(p, node.ignoreCase))
      );
    case "regex":
      return node.re.test(seen);
    default:
      return numericHolds(node, parseNumber(seen));
  }
}

function numericHolds(
  node: Extract<TestNode, { op: "gt" | "gte" | "lt" | "lte" | "between" }>,
  n: number | undefined,
): boolean {
  if (n === undefined) return false;
  switch (node.op) {
    case "gt":
      return n > node.expected;
    case "gte":
      return n >= node.expected;
    case "lt":
      return n < node.expected;
    case "lte":
      return n <= node.expected;
    case "between":
      return n >= node.expected[0] && n <= node.expected[1];
  }
}
