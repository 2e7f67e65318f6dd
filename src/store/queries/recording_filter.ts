/**
 * The search filter over `recordings` as a WHERE, and the sort orders a result page may
 * take. Text matching forgives case (`COLLATE NOCASE`, ASCII letters) and ids and
 * numbers match by prefix; every condition is written so an index of migration 0019
 * serves it: equality and prefix ranges (`col >= p AND col < p || U+10FFFF`) compare in
 * the collation of their index, and set flags are literals for the partial indexes.
 */
import { type Expression, type ExpressionBuilder, sql, type SqlBool } from "kysely";
import type { Database } from "../schema/database.ts";
import type { Recording } from "../schema/recordings.ts";
import { numberPrefixes, startsWith } from "./prefix_match.ts";

export { numberPrefix, PREFIX_END, startsWith } from "./prefix_match.ts";

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
  /** How the agent and number prefixes run, set by `planPrefixMatches` (prefix_plan.ts). */
  prefixPlan?: PrefixPlan;
}

/**
 * How a prefix runs: `index` (few matches: fetch them through their index, then sort),
 * `scan` (many: walk the page order and test each row), `none` (the agent prefix
 * matches no recording the viewer could see: no row is read). Unset: `scan`.
 */
export interface PrefixPlan {
  agent: "index" | "scan" | "none";
  /** `scope`: through the scope's agents' `(agent_id, ani|dnis)` indexes (migration 0025). */
  number: "index" | "scan" | "scope";
  /**
   * With a viewer whose scope is a finite list of agents: those of them whose ids start
   * with the agent prefix. A single-agent recording matches only through one of these;
   * a multi-agent one also through recording_agents' `multi` rows (migration 0025).
   */
  scopedAgents?: readonly string[];
  /** For the `scope` number plan: every agent the viewer may see. */
  scopeAgents?: readonly string[];
}

type Eb = ExpressionBuilder<Database, "recordings">;
/** A WHERE callback over `recordings`. */
export type Where = (eb: Eb) => Expression<SqlBool>;

/** SQL: `col` equals `v` ignoring ASCII case. */
function equalsNoCase(col: string, v: string) {
  return sql<SqlBool>`${sql.ref(col)} = ${v} COLLATE NOCASE`;
}

/** An SQL list of ids: `'a', 'b'`. */
function idList(ids: readonly string[]) {
  return sql.join(ids.map((id) => sql`${id}`));
}

/**
 * SQL: ANI or DNIS starts with the number, typed with or without its leading `+`. The
 * `scope` plan writes each range twice, once per index of migration 0025: for the scope's
 * agents (`agent_id IN (...)` first), and for multi-agent recordings (partial index), so
 * SQLite seeks only rows the viewer might see (MULTI-INDEX OR).
 */
function numberWhere(eb: Eb, typed: string, plan: PrefixPlan): Expression<SqlBool> {
  const ranges = (["recordings.ani", "recordings.dnis"] as const).flatMap((col) =>
    numberPrefixes(typed).map((x) => startsWith(col, x, false, plan.number === "scan"))
  );
  const scope = plan.scopeAgents;
  if (plan.number !== "scope" || scope === undefined) return eb.or(ranges);
  if (scope.length === 0) return sql<SqlBool>`0 = 1`;
  return eb.or(ranges.flatMap((r) => [
    sql<SqlBool>`(recordings.agent_id IN (${idList(scope)}) AND ${r})`,
    sql<SqlBool>`(recordings.multi_agent = 1 AND ${r})`,
  ]));
}

/** SQL: a multi-agent recording with an agent whose id starts with `p`, tested per row. */
function multiAgentProbe(p: string): Expression<SqlBool> {
  return sql<SqlBool>`(recordings.multi_agent = 1 AND EXISTS (SELECT 1 FROM recording_agents ra
    WHERE ra.recording_id = recordings.id AND ${startsWith("ra.agent_id", p, true)}))`;
}

/** SQL: some agent on the recording has an id starting with `p` (any case). */
function agentWhere(eb: Eb, p: string, plan: PrefixPlan): Expression<SqlBool> {
  if (plan.agent === "none") return sql<SqlBool>`0 = 1`;
  const prefixRows = (multi: boolean) => {
    const q = eb.selectFrom("recording_agents").select("recording_agents.recording_id")
      .where(startsWith("recording_agents.agent_id", p, true));
    return multi ? q.where(sql<SqlBool>`recording_agents.multi = 1`) : q;
  };
  const mine = plan.scopedAgents;
  if (plan.agent === "index") {
    // Every agent on a recording has a recording_agents row (the first one too), so the
    // index yields exactly the matching recordings. Within a finite scope: the scope's
    // matching agents, and the multi-agent rows (matched through anyone, seen through
    // the scope — the access WHERE decides).
    if (mine === undefined) return eb("recordings.id", "in", prefixRows(false));
    if (mine.length === 0) return eb("recordings.id", "in", prefixRows(true));
    const ofMine = eb.selectFrom("recording_agents").select("recording_agents.recording_id")
      .where("recording_agents.agent_id", "in", [...mine]);
    return eb("recordings.id", "in", ofMine.unionAll(prefixRows(true)));
  }
  // Many: test each row in page order — the first agent's column, and recording_agents
  // only on rows a transfer brought more agents onto.
  const first = mine === undefined
    ? [startsWith("recordings.agent_id", p, true, true)]
    : mine.length
    ? [sql<SqlBool>`+recordings.agent_id IN (${idList(mine)})`]
    : [];
  return eb.or([...first, multiAgentProbe(p)]);
}

type FlagColumn = `recordings.${keyof Recording & `flag_${string}`}` | "recordings.legal_hold";

/** The filter as a WHERE over `recordings`. */
export function filterWhere(f: RecordingFilter): Where {
  return (eb) => {
    const c: Expression<SqlBool>[] = [];
    if (!f.includeDeleted) c.push(eb("recordings.state", "not in", ["deleted", "purged"]));
    if (f.from) c.push(eb("recordings.started_at", ">=", f.from));
    if (f.to) c.push(eb("recordings.started_at", "<", f.to));
    const plan: PrefixPlan = f.prefixPlan ?? { agent: "scan", number: "scan" };
    if (f.agentId) c.push(agentWhere(eb, f.agentId, plan));
    if (f.customerId) c.push(startsWith("recordings.customer_id", f.customerId, true));
    if (f.ani) c.push(eb("recordings.ani", "=", f.ani));
    if (f.dnis) c.push(eb("recordings.dnis", "=", f.dnis));
    if (f.number) c.push(numberWhere(eb, f.number, plan));
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
