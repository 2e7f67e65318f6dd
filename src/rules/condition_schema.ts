/**
 * Zod schema for the `when` condition tree of a rule and the compiled AST it produces.
 *
 * A condition is one mapping with exactly one of `all`, `any`, `not` or `field`.
 * A `field` test carries exactly one operator.
 *
 * @module
 */
import { z } from "zod";

/** Built-in call metadata fields a rule may test. */
export const BUILTIN_FIELDS = [
  "businessUnit",
  "customerType",
  "language",
  "dn",
  "agentId",
  "queue",
  "direction",
  "ani",
  "dnis",
] as const;

/** A built-in field name. */
export type BuiltinField = typeof BUILTIN_FIELDS[number];

const BUILTIN_SET: ReadonlySet<string> = new Set(BUILTIN_FIELDS);

/** Whether `name` is a field a rule may reference: a built-in or `data.<KEY>`. */
export function isFieldName(name: string): boolean {
  return BUILTIN_SET.has(name) || /^data\.\S+$/.test(name);
}

/** Zod schema for a field reference. */
export const FieldName = z.string().refine(isFieldName, {
  message: `Unknown field: use one of ${BUILTIN_FIELDS.join(", ")} or data.<KEY>`,
});

/** Operators of a field test. */
export const OPERATORS = [
  "equals",
  "in",
  "prefix",
  "regex",
  "exists",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
] as const;

/** A field test operator. */
export type Operator = typeof OPERATORS[number];

/** A compiled field test. `expected` is the operand as written (text for string operators). */
export type TestNode =
  | { kind: "test"; field: string; op: "equals"; expected: string; ignoreCase: boolean }
  | { kind: "test"; field: string; op: "in"; expected: string[]; ignoreCase: boolean }
  | { kind: "test"; field: string; op: "prefix"; expected: string[]; ignoreCase: boolean }
  | { kind: "test"; field: string; op: "regex"; expected: string; re: RegExp }
  | { kind: "test"; field: string; op: "exists"; expected: boolean }
  | { kind: "test"; field: string; op: "gt" | "gte" | "lt" | "lte"; expected: number }
  | { kind: "test"; field: string; op: "between"; expected: [number, number] };

/** A compiled condition tree. */
export type ConditionNode =
  | { kind: "all"; items: ConditionNode[] }
  | { kind: "any"; items: ConditionNode[] }
  | { kind: "not"; item: ConditionNode }
  | TestNode;

const Text = z.string();
const Num = z.number().refine(Number.isFinite, { message: "Expected a finite number" });

interface RawCondition {
  all?: ConditionNode[];
  any?: ConditionNode[];
  not?: ConditionNode;
  field?: string;
  equals?: string;
  in?: string[];
  prefix?: string[];
  regex?: string;
  exists?: boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  between?: [number, number];
  ignoreCase?: boolean;
}

/** Zod schema for one condition; parses to a {@link ConditionNode}. */
export const Condition: z.ZodType<ConditionNode> = z.lazy(() =>
  z.strictObject({
    all: z.array(Condition).min(1).optional(),
    any: z.array(Condition).min(1).optional(),
    not: Condition.optional(),
    field: FieldName.optional(),
    equals: Text.optional(),
    in: z.array(Text).min(1).optional(),
    prefix: z.preprocess((v) => typeof v === "string" ? [v] : v, z.array(Text).min(1))
      .optional(),
    regex: Text.optional(),
    exists: z.boolean().optional(),
    gt: Num.optional(),
    gte: Num.optional(),
    lt: Num.optional(),
    lte: Num.optional(),
    between: z.tuple([Num, Num]).refine(([lo, hi]) => lo <= hi, {
      message: "Expected [low, high] with low <= high",
    }).optional(),
    ignoreCase: z.boolean().optional(),
  }).transform((raw: RawCondition, ctx) => toNode(raw, ctx))
);

type Ctx = z.core.$RefinementCtx;

function toNode(raw: RawCondition, ctx: Ctx): ConditionNode {
  const shapes = (["all", "any", "not", "field"] as const).filter((k) => raw[k] !== undefined);
  if (shapes.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: shapes.length === 0
        ? "Condition needs one of all, any, not or field"
        : `Condition mixes ${shapes.map((s) => `"${s}"`).join(" and ")}: use exactly one`,
    });
    return z.NEVER;
  }
  if (raw.all) return { kind: "all", items: raw.all };
  if (raw.any) return { kind: "any", items: raw.any };
  if (raw.not) return { kind: "not", item: raw.not };
  return toTest(raw, raw.field as string, ctx);
}

function toTest(raw: RawCondition, field: string, ctx: Ctx): ConditionNode {
  const ops = OPERATORS.filter((k) => raw[k] !== undefined);
  if (ops.length !== 1) {
    ctx.addIssue({
      code: "custom",
      path: ["field"],
      message: ops.length === 0
        ? `Test on "${field}" needs one operator: ${OPERATORS.join(", ")}`
        : `Test on "${field}" has ${ops.length} operators (${ops.join(", ")}): use exactly one`,
    });
    return z.NEVER;
  }
  const ignoreCase = raw.ignoreCase ?? false;
  const op = ops[0];
  switch (op) {
    case "equals":
      return { kind: "test", field, op, expected: raw.equals as string, ignoreCase };
    case "in":
      return { kind: "test", field, op, expected: raw.in as string[], ignoreCase };
    case "prefix":
      return { kind: "test", field, op, expected: raw.prefix as string[], ignoreCase };
    case "regex":
      return compileRegex(field, raw.regex as string, ignoreCase, ctx);
    case "exists":
      return { kind: "test", field, op, expected: raw.exists as boolean };
    case "between":
      return { kind: "test", field, op, expected: raw.between as [number, number] };
    default:
      return { kind: "test", field, op, expected: raw[op] as number };
  }
}

function compileRegex(field: string, source: string, ignoreCase: boolean, ctx: Ctx): TestNode {
  try {
    const re = new RegExp(source, ignoreCase ? "iu" : "u");
    return { kind: "test", field, op: "regex", expected: source, re };
  } catch (e) {
    ctx.addIssue({
      code: "custom",
      path: ["regex"],
      message: `Invalid regex "${source}": ${(e as Error).message}`,
    });
    return z.NEVER;
  }
}

/**
 * `when`: one condition, or a list meaning "all of". Parsed without a zod union so that
 * errors keep their precise path instead of collapsing into "Invalid input".
 */
export const When: z.ZodType<ConditionNode> = z.unknown().transform((v, ctx) => {
  const r = Array.isArray(v) ? z.array(Condition).min(1).safeParse(v) : Condition.safeParse(v);
  if (r.success) return Array.isArray(r.data) ? { kind: "all" as const, items: r.data } : r.data;
  for (const issue of r.error.issues) {
    // Forward the issue unchanged (keeps `keys` of unrecognized_keys for line mapping).
    ctx.addIssue(issue as unknown as Parameters<typeof ctx.addIssue>[0]);
  }
  return z.NEVER;
});
