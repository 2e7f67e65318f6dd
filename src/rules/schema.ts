/**
 * Zod schema of a rule file (YAML) and the compiled, typed rule set it yields.
 *
 * @module
 */
import { z } from "zod";
import { type ConditionNode, FieldName, isFieldName, When } from "./condition_schema.ts";

/** Days of the week as written in `window.days`. */
export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** A day of the week. */
export type Day = typeof DAYS[number];

/** Whether `tz` is an IANA time zone name this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const TimeZone = z.string().refine(isTimeZone, { message: "Unknown time zone" });

const HOURS_RE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

/** Minutes since local midnight, [start, end); start > end wraps past midnight. */
export interface HourRange {
  start: number;
  end: number;
}

const Hours = z.string().transform((s, ctx): HourRange => {
  const m = HOURS_RE.exec(s.replace(/\s+/g, ""));
  const start = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const end = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
  if (!m || end > 24 * 60 || start === end) {
    ctx.addIssue({ code: "custom", message: `Invalid hours "${s}": expected "HH:MM-HH:MM"` });
    return z.NEVER;
  }
  return { start, end };
});

const DAY_ALIASES: Record<string, readonly Day[]> = {
  weekdays: ["mon", "tue", "wed", "thu", "fri"],
  weekend: ["sat", "sun"],
  all: DAYS,
};

/** Expands "weekdays", "weekend", "all" and ranges such as "mon-fri" or "fri-mon". */
function expandDays(v: unknown): unknown {
  const items = typeof v === "string" ? v.split(",") : v;
  if (!Array.isArray(items)) return v;
  return items.flatMap((item) => {
    if (typeof item !== "string") return [item];
    const s = item.trim().toLowerCase();
    if (s in DAY_ALIASES) return [...DAY_ALIASES[s]];
    const m = /^([a-z]{3})\s*-\s*([a-z]{3})$/.exec(s);
    const a = m ? DAYS.indexOf(m[1] as Day) : -1;
    const b = m ? DAYS.indexOf(m[2] as Day) : -1;
    if (a < 0 || b < 0) return [s];
    const out: Day[] = [];
    for (let i = a;; i = (i + 1) % 7) {
      out.push(DAYS[i]);
      if (i === b) return out;
    }
  });
}

const DayList = z.preprocess(expandDays, z.array(z.enum(DAYS)).min(1))
  .transform((d): Day[] => [...new Set(d)]);

/** Zod schema of `window`. */
export const WindowSchema = z.strictObject({
  days: DayList.optional(),
  hours: z.preprocess((v) => v === undefined || Array.isArray(v) ? v : [v], z.array(Hours).min(1))
    .optional(),
  timeZone: TimeZone.optional(),
});

/** Quota periods. */
export const PERIODS = ["hour", "day", "week", "month"] as const;
/** A quota period. */
export type Period = typeof PERIODS[number];

/** Zod schema of one `quota` entry. */
export const QuotaSchema = z.strictObject({
  max: z.number().int().min(0),
  per: z.string().refine((v) => v === "rule" || isFieldName(v), {
    message: "Unknown quota scope: use rule, a built-in field or data.<KEY>",
  }).default("rule"),
  period: z.enum(PERIODS).default("day"),
  timeZone: TimeZone.optional(),
});

const PLACEHOLDER_RE = /\{([^{}]+)\}/g;

const Partition = z.string().min(1).superRefine((s, ctx) => {
  for (const [, name] of s.matchAll(PLACEHOLDER_RE)) {
    if (!FieldName.safeParse(name).success) {
      ctx.addIssue({ code: "custom", message: `Unknown field "{${name}}" in partition` });
    }
  }
});

const Mode = z.enum(["source", "destination"]);
const Format = z.enum(["opus", "wav"]);

/** Zod schema of `then`. Unset fields fall back to the file `defaults`. */
export const ThenSchema = z.strictObject({
  record: z.boolean().default(true),
  mode: Mode.optional(),
  partitions: z.array(Partition).default([]),
  retention: z.string().min(1).nullable().optional(),
  allowPause: z.boolean().optional(),
  format: Format.optional(),
});

const RULE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Zod schema of one rule as written. */
export const RuleSchema = z.strictObject({
  id: z.string().regex(RULE_ID_RE, {
    message: "Rule id must be 1-64 letters, digits, '.', '_' or '-', starting alphanumeric",
  }),
  description: z.string().default(""),
  enabled: z.boolean().default(true),
  when: When.optional(),
  window: WindowSchema.optional(),
  sample: z.number().min(0).max(100).default(100),
  quota: z.preprocess(
    (v) => v !== null && typeof v === "object" && !Array.isArray(v) ? [v] : v,
    z.array(QuotaSchema),
  ).default([]),
  then: ThenSchema.default({ record: true, partitions: [] }),
}).superRefine((r, ctx) => {
  if (!r.then.record && r.quota.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["quota"],
      message: "A quota only applies to rules that record (then.record: true)",
    });
  }
});

/** Zod schema of `defaults`. */
export const DefaultsSchema = z.strictObject({
  record: z.boolean().default(false),
  mode: Mode.default("destination"),
  format: Format.default("opus"),
  allowPause: z.boolean().default(true),
  retention: z.string().min(1).nullable().default(null),
  partitionsKey: z.string().min(1).default("GRECORD_PARTITIONS"),
  partitionsSeparator: z.string().min(1).default(","),
  timeZone: TimeZone.default("UTC"),
});

/** Zod schema of one rule file. */
export const RuleFileSchema = z.strictObject({
  version: z.literal(1),
  defaults: DefaultsSchema.optional(),
  rules: z.array(RuleSchema).default([]),
});

/** Resolved defaults of a rule set. */
export type Defaults = z.output<typeof DefaultsSchema>;
/** A rule file after validation. */
export type RuleFile = z.output<typeof RuleFileSchema>;
/** A rule after validation, as written (before defaults are applied). */
export type RuleInput = z.output<typeof RuleSchema>;

/** A time window with its time zone resolved. */
export interface RuleWindow {
  days: Day[] | null;
  hours: HourRange[] | null;
  timeZone: string;
}

/** A quota cap with its time zone resolved. */
export interface RuleQuota {
  max: number;
  per: string;
  period: Period;
  timeZone: string;
}

/** A rule ready to evaluate: defaults applied, regexes compiled. */
export interface Rule {
  id: string;
  description: string;
  enabled: boolean;
  when: ConditionNode | null;
  window: RuleWindow | null;
  sample: number;
  quota: RuleQuota[];
  then: {
    record: boolean;
    mode: "source" | "destination";
    partitions: string[];
    retention: string | null;
    allowPause: boolean;
    format: "opus" | "wav";
  };
  /** Where the rule is written, e.g. "rules/10-sales.yaml:12". */
  source: string;
}

/** An ordered, validated set of rules. */
export interface RuleSet {
  defaults: Defaults;
  rules: Rule[];
  /** File names (base names) in load order. */
  files: string[];
  /** First 16 hex digits of SHA-256 over the files' names and contents. */
  fingerprint: string;
}

/** Resolves a validated rule against the rule set defaults. */
export function resolveRule(r: RuleInput, d: Defaults, source: string): Rule {
  return {
    id: r.id,
    description: r.description,
    enabled: r.enabled,
    when: r.when ?? null,
    window: r.window
      ? {
        days: r.window.days ?? null,
        hours: r.window.hours ?? null,
        timeZone: r.window.timeZone ?? d.timeZone,
      }
      : null,
    sample: r.sample,
    quota: r.quota.map((q) => ({ ...q, timeZone: q.timeZone ?? d.timeZone })),
    then: {
      record: r.then.record,
      mode: r.then.mode ?? d.mode,
      partitions: r.then.partitions,
      retention: r.then.retention === undefined ? d.retention : r.then.retention,
      allowPause: r.then.allowPause ?? d.allowPause,
      format: r.then.format ?? d.format,
    },
    source,
  };
}

/** The defaults used when no file sets `defaults`. */
export function defaultDefaults(): Defaults {
  return DefaultsSchema.parse({});
}
