// Shared helpers for the rules tests (a _test.ts file so it never ships).
import assert from "node:assert/strict";
import { buildRuleSet } from "./loader.ts";
import type { RuleSet } from "./schema.ts";
import type { CallFacts } from "./evaluate.ts";

/** Builds a rule set from one YAML text, failing the test on errors. */
export function ruleSetOf(text: string): RuleSet {
  const r = buildRuleSet([{ name: "t.yaml", text }]);
  if (!r.ok) assert.fail(JSON.stringify(r.errors, null, 2));
  return r.ruleSet;
}

/** Builds call facts. */
export function callOf(
  callKey: string,
  fields: Record<string, string> = {},
  data: Record<string, string> = {},
): CallFacts {
  return { callKey, fields, data };
}
