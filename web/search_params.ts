/**
 * Reads the recordings search form (query string) with a zod schema into a filter, a
 * sort and a page. Nothing invalid is dropped silently: each bad field becomes an error
 * naming it (`from: "2026-13-45" is not a date (YYYY-MM-DD)`), and a caller shows the
 * errors and no rows, never a search without that field.
 */
import { z } from "zod";
import {
  type Cursor,
  decodeCursor,
  MAX_OFFSET,
  type RecordingFilter,
} from "../src/store/queries/recordings.ts";
import {
  numberPrefix,
  type SearchSort,
  SORT_KEYS,
  type SortKey,
} from "../src/store/queries/recording_filter.ts";

/** Rows per result page. */
export const PAGE_SIZE = 50;

/** Search form field names, in display order, for links that keep the filter. */
export const SEARCH_FIELDS = [
  "from",
  "to",
  "agent",
  "customer",
  "number",
  "bu",
  "ctype",
  "lang",
  "min_s",
  "max_s",
  "min_mos",
  "max_mos",
  "interrupted",
  "no_media",
  "session_expired",
  "media_timeout",
  "one_way",
  "paused",
  "hold",
  "meta",
  "sort",
  "dir",
] as const;

/** One invalid field and why. */
export interface FieldError {
  field: string;
  message: string;
}

const quoted = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

const day = (plusDays: number) =>
  z.string().transform((v, ctx) => {
    const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00.000Z`) : NaN;
    // Date.parse rolls 2026-02-30 over to March; the round trip catches it.
    if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v) {
      ctx.addIssue({ code: "custom", message: `${quoted(v)} is not a date (YYYY-MM-DD)` });
      return z.NEVER;
    }
    return new Date(t + plusDays * 86_400_000).toISOString();
  });

const text = (max = 200) => z.string().max(max, `longer than ${max} characters`);

const wholeSeconds = z.string().transform((v, ctx) => {
  if (!/^\d{1,7}$/.test(v)) {
    ctx.addIssue({ code: "custom", message: `${quoted(v)} is not a whole number of seconds` });
    return z.NEVER;
  }
  return Number(v) * 1000;
});

const mos = z.string().transform((v, ctx) => {
  const n = /^\d(\.\d{1,2})?$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 4.5)) {
    ctx.addIssue({ code: "custom", message: `${quoted(v)} is not a MOS from 1 to 4.5` });
    return z.NEVER;
  }
  return n;
});

const flag = z.enum(["yes", "no"], { error: (i) => `${quoted(String(i.input))} is not yes or no` })
  .transform((v) => v === "yes");

const number = text(64).transform((v, ctx) => {
  const p = numberPrefix(v);
  if (!/^\+?\d+$/.test(p)) {
    ctx.addIssue({ code: "custom", message: `${quoted(v)} is not a number (digits, + first)` });
    return z.NEVER;
  }
  return p;
});

const metadata = text(1000).transform((v, ctx) => {
  const parts = v.split(";").map((p) => p.trim()).filter((p) => p !== "");
  const out: { key: string; value: string }[] = [];
  for (const p of parts) {
    const i = p.indexOf("=");
    const key = i > 0 ? p.slice(0, i).trim() : "";
    if (key === "" || key.length > 100 || p.length - i - 1 > 200) {
      ctx.addIssue({ code: "custom", message: `${quoted(p)} is not key=value` });
      return z.NEVER;
    }
    out.push({ key, value: p.slice(i + 1).trim() });
  }
  if (out.length > 10) {
    ctx.addIssue({ code: "custom", message: "more than 10 key=value pairs" });
    return z.NEVER;
  }
  return out;
});

const SCHEMA = z.object({
  from: day(0).optional(),
  to: day(1).optional(),
  agent: text().optional(),
  customer: text().optional(),
  number: number.optional(),
  bu: text().optional(),
  ctype: text().optional(),
  lang: text().optional(),
  min_s: wholeSeconds.optional(),
  max_s: wholeSeconds.optional(),
  min_mos: mos.optional(),
  max_mos: mos.optional(),
  interrupted: flag.optional(),
  no_media: flag.optional(),
  session_expired: flag.optional(),
  media_timeout: flag.optional(),
  one_way: flag.optional(),
  paused: flag.optional(),
  hold: flag.optional(),
  meta: metadata.optional(),
  sort: z.enum(SORT_KEYS, { error: `not one of ${SORT_KEYS.join(", ")}` }).optional(),
  dir: z.enum(["asc", "desc"], { error: "not asc or desc" }).optional(),
  page: z.string().regex(/^\d{1,5}$/, "not a page number").transform(Number)
    .refine((n) => n * PAGE_SIZE <= MAX_OFFSET, `beyond the last page ${MAX_OFFSET / PAGE_SIZE}`)
    .optional(),
  after: z.string().transform((v, ctx) => {
    const c = decodeCursor(v);
    if (!c) ctx.addIssue({ code: "custom", message: "not a page position from this search" });
    return c ?? z.NEVER;
  }).optional(),
});

/** What a query string asks for, or the errors that stop it. */
export interface ParsedSearch {
  /** The non-empty form values as given (for the form and links). */
  q: Record<string, string>;
  filter: RecordingFilter;
  sort: SearchSort;
  /** Offset of the page in a non-default sort. */
  offset: number;
  after: Cursor | null;
  /** Empty when the search may run. */
  errors: FieldError[];
}

/** The default sort's direction for a key: newest, longest, worst-MOS-last first… */
function defaultDir(key: SortKey): "asc" | "desc" {
  return key === "started" || key === "duration" || key === "mos" ? "desc" : "asc";
}

/** Validates a search query (empty values count as absent). */
export function parseSearch(query: Record<string, string | undefined>): ParsedSearch {
  const q: Record<string, string> = {};
  for (const f of [...SEARCH_FIELDS, "page", "after"]) {
    const v = query[f]?.trim();
    if (v) q[f] = v;
  }
  const r = SCHEMA.safeParse(q);
  const empty = { q, filter: {}, sort: { key: "started", dir: "desc" } as SearchSort };
  if (!r.success) {
    const errors = r.error.issues.map((i) => ({ field: String(i.path[0]), message: i.message }));
    return { ...empty, offset: 0, after: null, errors };
  }
  const v = r.data;
  const errors: FieldError[] = [];
  if (v.from && v.to && v.from >= v.to) errors.push({ field: "to", message: "before from" });
  if (v.min_s !== undefined && v.max_s !== undefined && v.min_s > v.max_s) {
    errors.push({ field: "max_s", message: "less than min_s" });
  }
  if (v.min_mos !== undefined && v.max_mos !== undefined && v.min_mos > v.max_mos) {
    errors.push({ field: "max_mos", message: "less than min_mos" });
  }
  const key = v.sort ?? "started";
  return {
    q,
    filter: {
      from: v.from,
      to: v.to,
      agentId: v.agent,
      customerId: v.customer,
      number: v.number,
      businessUnit: v.bu,
      customerType: v.ctype,
      language: v.lang,
      minDurationMs: v.min_s,
      maxDurationMs: v.max_s,
      minMos: v.min_mos,
      maxMos: v.max_mos,
      interrupted: v.interrupted,
      noMedia: v.no_media,
      sessionExpired: v.session_expired,
      mediaTimeout: v.media_timeout,
      oneWay: v.one_way,
      paused: v.paused,
      legalHold: v.hold,
      metadata: v.meta ?? [],
    },
    sort: { key, dir: v.dir ?? defaultDir(key) },
    offset: (v.page ?? 0) * PAGE_SIZE,
    after: v.after ?? null,
    errors,
  };
}

/** The errors as one line: `from: "2026-13-45" is not a date (YYYY-MM-DD); min_s: …`. */
export function errorLine(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}
