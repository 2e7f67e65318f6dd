/**
 * The search filter over `recordings` as a WHERE, and the sort orders a result page may
 * take. Text matching forgives case (`COLLATE NOCASE`, ASCII letters) and ids and
 * numbers match by prefix; every condition is written so an index of migration 0019
 * serves it: equality and prefix ranges (`col >= p AND col < p || U+10FFFF`) compare in
 * the collation of their index, and set flags are literals for the partial indexes.
 */
import { type Expression, type ExpressionBuilder, sql, type SqlBool } from "kysely";
import type { Db } from "../db.ts";
import type { Database } from "../schema/database.ts";
import type { Recording } from "../schema/recordings.ts";

/** Search filters; every field optional. Dates are ISO strings (UTC). */
export interface RecordingFilter {
  from?: string;
  to?: string;
  /** Agent id prefix, any case: every agent on the recording (transfers add agents). */
  agentId?: string;
  /** Customer id prefix, any case. */
  customerId?: string;
  /** Number prefix matching ANI or DNIS, with or without a leading `+`. */
  number?: string;
  /** Exact ANI / DNIS (API callers). */
  ani?: string;
  dnis?: string;
  /** Exact, any case. */
  businessUnit?: string;
  customerType?: string;
  language?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Estimated MOS of the worst stream (migration 0019), inclusive bounds. */
  minMos?: number;
  maxMos?: number;
  interrupted?: boolean;
  noMedia?: boolean;
  sessionExpired?: boolean;
  mediaTimeout?: boolean;
  oneWay?: boolean;
  paused?: boolean;
  legalHold?: boolean;
  /** `key=value` pairs that must all be present in recording_metadata. */
  metadata?: { key: string; value: string }[];
  /** Include tombstones (state deleted/purged); off by default. */
  includeDeleted?: boolean;
  /**
   * How the agent and number prefixes are matched, set by {@link planPrefixMatches}:
   * `index` (few matches: fetch them through their index, then sort), `scan` (many:
   * walk the page order and test each row). Unset: `scan`.
   */
  prefixPlan?: { agent: "index" | "scan"; number: "index" | "scan" };
}

/**
 * Up to this many index entries, a prefix's matches are fetched through its index and
 * sorted; beyond it the page order is walked (matches are dense enough that a page is
 * found quickly). Counted index-only, so deciding costs well under a millisecond.
 */
export const PREFIX_INDEX_MAX = 4000;

type Eb = ExpressionBuilder<Database, "recordings">;
/** A WHERE callback over `recordings`. */
export type Where = (eb: Eb) => Expression<SqlBool>;

/** Above every code point: `p || PREFIX_END` bounds the strings that start with `p`. */
export const PREFIX_END = "\u{10FFFF}";

/**
 * SQL: `col` starts with `p`, in the column's NOCASE (or binary) index order. `scan`
 * writes the column as `+col`, so SQLite tests rows instead of using its index.
 */
export function startsWith(col: string, p: string, nocase: boolean, scan = false) {
  const c = nocase ? sql` COLLATE NOCASE` : sql``;
  const ref = scan ? sql`+${sql.ref(col)}` : sql.ref(col);
  return sql<SqlBool>`(${ref} >= ${p}${c} AND ${ref} < ${p + PREFIX_END}${c})`;
}

/** SQL: `col` equals `v` ignoring ASCII case. */
function equalsNoCase(col: string, v: string) {
  return sql<SqlBool>`${sql.ref(col)} = ${v} COLLATE NOCASE`;
}

/** The number prefixes to match: as typed, and with a leading `+` when typed without one. */
function numberPrefixes(typed: string): string[] {
  const p = numberPrefix(typed);
  return p.startsWith("+") ? [p] : [p, `+${p}`];
}

/** Index entries of `table.col` starting with `p`, counted up to `cap + 1`. */
async function prefixCount(
  db: Db,
  table: "recordings" | "recording_agents",
  col: string,
  p: string,
  nocase: boolean,
  cap: number,
): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT 1 FROM
    ${sql.table(table)} WHERE ${startsWith(`${table}.${col}`, p, nocase)} LIMIT ${cap + 1})`
    .execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Decides how the filter's agent and number prefixes run (see
 * {@link RecordingFilter.prefixPlan}) from how many index entries they match.
 */
export async function planPrefixMatches(
  db: Db,
  f: RecordingFilter,
  cap = PREFIX_INDEX_MAX,
): Promise<RecordingFilter> {
  if (f.prefixPlan || (!f.agentId && !f.number)) return f;
  let agent: "index" | "scan" = "scan", number: "index" | "scan" = "scan";
  if (f.agentId) {
    const n = await prefixCount(db, "recording_agents", "agent_id", f.agentId, true, cap);
    if (n <= cap) agent = "index";
  }
  if (f.number) {
    let n = 0;
    for (const col of ["ani", "dnis"]) {
      for (const p of numberPrefixes(f.number)) {
        n += await prefixCount(db, "recordings", col, p, false, cap);
      }
    }
    if (n <= cap) number = "index";
  }
  return { ...f, prefixPlan: { agent, number } };
}

/** A typed number without its formatting (spaces, dashes, dots, parentheses). */
export function numberPrefix(text: string): string {
  return text.replace(/[\s\-.()]/g, "");
}

/** SQL: ANI or DNIS starts with the number, typed with or without its leading `+`. */
function numberWhere(eb: Eb, typed: string, scan: boolean): Expression<SqlBool> {
  return eb.or(
    ["recordings.ani", "recordings.dnis"].flatMap((col) =>
      numberPrefixes(typed).map((x) => startsWith(col, x, false, scan))
    ),
  );
}

/** SQL: some agent on the recording has an id starting with `p` (any case). */
function agentWhere(eb: Eb, p: string, scan: boolean): Expression<SqlBool> {
  const ids = eb.selectFrom("recording_agents").select("recording_agents.recording_id")
    .where(startsWith("recording_agents.agent_id", p, true));
  // Few matches: every agent on a recording has a recording_agents row (the first one
  // too), so its index yields exactly the matching recordings.
  if (!scan) return eb("recordings.id", "in", ids);
  // Many: test each row in page order — the first agent's column, and recording_agents
  // only on rows a transfer brought more agents onto.
  return eb.or([
    startsWith("recordings.agent_id", p, true, true),
    eb.and([eb("recordings.multi_agent", "=", 1), eb("recordings.id", "in", ids)]),
  ]);
}

type FlagColumn = `recordings.${keyof Recording & `flag_${string}`}` | "recordings.legal_hold";

/** The filter as a WHERE over `recordings`. */
export function filterWhere(f: RecordingFilter): Where {
  return (eb) => {
    const c: Expression<SqlBool>[] = [];
    if (!f.includeDeleted) c.push(eb("recordings.state", "not in", ["deleted", "purged"]));
    if (f.from) c.push(eb("recordings.started_at", ">=", f.from));
    if (f.to) c.push(eb("recordings.started_at", "<", f.to));
    const plan = f.prefixPlan ?? { agent: "scan", number: "scan" };
    if (f.agentId) c.push(agentWhere(eb, f.agentId, plan.agent === "scan"));
    if (f.customerId) c.push(startsWith("recordings.customer_id", f.customerId, true));
    if (f.ani) c.push(eb("recordings.ani", "=", f.ani));
    if (f.dnis) c.push(eb("recordings.dnis", "=", f.dnis));
    if (f.number) c.push(numberWhere(eb, f.number, plan.number === "scan"));
    if (f.businessUnit) c.push(equalsNoCase("recordings.business_unit", f.businessUnit));
    if (f.customerType) c.push(equalsNoCase("recordings.customer_type", f.customerType));
    if (f.language) c.push(equalsNoCase("recordings.language", f.language));
    if (f.minDurationMs !== undefined) c.push(eb("recordings.duration_ms", ">=", f.minDurationMs));
    if (f.maxDurationMs !== undefined) c.push(eb("recordings.duration_ms", "<=", f.maxDurationMs));
    if (f.minMos !== undefined) c.push(eb("recordings.mos", ">=", f.minMos));
    if (f.maxMos !== undefined) c.push(eb("recordings.mos", "<=", f.maxMos));
    // A set flag is written as a literal so SQLite can use the flag's partial index.
    const flag = (v: boolean | undefined, col: FlagColumn) => {
      if (v === true) c.push(sql<SqlBool>`${sql.ref(col)} = 1`);
      if (v === false) c.push(eb(col, "=", 0));
    };
    flag(f.interrupted, "recordings.flag_interrupted");
    flag(f.noMedia, "recordings.flag_no_media");
    flag(f.sessionExpired, "recordings.flag_session_expired");
    flag(f.mediaTimeout, "recordings.flag_media_timeout");
    flag(f.oneWay, "recordings.flag_one_way");
    flag(f.paused, "recordings.flag_paused");
    flag(f.legalHold, "recordings.legal_hold");
    for (const { key, value } of f.metadata ?? []) {
      c.push(eb(
        "recordings.id",
        "in",
        eb.selectFrom("recording_metadata").select("recording_metadata.recording_id")
          .where("recording_metadata.key", "=", key).where("recording_metadata.value", "=", value),
      ));
    }
    return c.length ? eb.and(c) : sql<SqlBool>`1 = 1`;
  };
}

/** The columns a result page can be sorted by (the whitelist). */
export const SORT_KEYS = ["started", "duration", "agent", "customer", "bu", "mos"] as const;
/** One of {@link SORT_KEYS}. */
export type SortKey = typeof SORT_KEYS[number];

/** A sort: key and direction. */
export interface SearchSort {
  key: SortKey;
  dir: "asc" | "desc";
}

/** The default order: newest first (the keyset-paged one). */
export const DEFAULT_SORT: SearchSort = { key: "started", dir: "desc" };

/**
 * ORDER BY terms for a sort, each with a tiebreak that makes the order total and that
 * follows an index forwards or backwards: started (started_at, id), duration
 * (duration_ms, id), mos (mos, id), and the NOCASE text indexes (col, started_at DESC,
 * id DESC) read in reverse for the other direction.
 */
export function sortTerms(s: SearchSort) {
  const d = sql.raw(s.dir === "asc" ? "ASC" : "DESC");
  const rev = sql.raw(s.dir === "asc" ? "DESC" : "ASC");
  const text = (col: string) => [
    sql`${sql.ref(col)} COLLATE NOCASE ${d}`,
    sql`recordings.started_at ${rev}`,
    sql`recordings.id ${rev}`,
  ];
  switch (s.key) {
    case "started":
      return [sql`recordings.started_at ${d}`, sql`recordings.id ${d}`];
    case "duration":
      return [sql`recordings.duration_ms ${d}`, sql`recordings.id ${d}`];
    case "mos":
      return [sql`recordings.mos ${d}`, sql`recordings.id ${d}`];
    case "agent":
      return text("recordings.agent_id");
    case "customer":
      return text("recordings.customer_id");
    case "bu":
      return text("recordings.business_unit");
  }
}
