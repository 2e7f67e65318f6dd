/**
 * How a search's agent and number prefixes run, decided before the query from index
 * counts (each well under a millisecond): through their index when the matches are few,
 * else by walking the page order and testing each row. A viewer whose scope is a finite
 * list of agents (a supervisor's org subtree) has the agent prefix resolved within that
 * list first, so typing `ag17` costs the rows of their own matching agents, never a walk
 * over every recording in search of a handful.
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db.ts";
import { numberPrefixes, startsWith, startsWithNoCase } from "./prefix_match.ts";
import type { PrefixPlan, RecordingFilter } from "./recording_filter.ts";

/**
 * Up to this many index entries, a prefix's matches are fetched through its index and
 * sorted; beyond it the page order is walked (matches are dense enough that a page is
 * found quickly). Counted index-only, so deciding costs well under a millisecond.
 */
export const PREFIX_INDEX_MAX = 4000;

/** What the planner may know besides the filter. */
export interface PlanOptions {
  /**
   * Every agent id the viewer may see recordings of, when that is a finite list
   * (`scopeAgents` of the search access WHERE); absent: no such list.
   */
  scopeAgents?: readonly string[];
  /** {@link PREFIX_INDEX_MAX}, lowered in tests. */
  cap?: number;
}

/** Counts up to `cap + 1` rows of a `SELECT 1 ...` body. */
async function capped(db: Db, body: RawBuilder<unknown>, cap: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM (${body} LIMIT ${cap + 1})`
    .execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Index entries of `table.col` starting with `p`, counted up to `cap + 1`. */
function prefixCount(
  db: Db,
  table: "recordings" | "recording_agents",
  col: string,
  p: string,
  nocase: boolean,
  cap: number,
): Promise<number> {
  return capped(
    db,
    sql`SELECT 1 FROM ${sql.table(table)} WHERE ${startsWith(`${table}.${col}`, p, nocase)}`,
    cap,
  );
}

/**
 * The agent prefix within a finite scope: the scope's agents it matches (their
 * recording_agents rows, binary index) plus the multi-agent rows it matches (migration
 * 0025's partial index) — a transferred call may match through an agent outside the
 * scope and be visible through one inside it.
 */
async function scopedAgentPlan(
  db: Db,
  prefix: string,
  scope: readonly string[],
  cap: number,
): Promise<Pick<PrefixPlan, "agent" | "scopedAgents">> {
  const mine = scope.filter((id) => startsWithNoCase(id, prefix));
  const list = sql.join(mine.map((id) => sql`${id}`));
  let n = mine.length
    ? await capped(db, sql`SELECT 1 FROM recording_agents WHERE agent_id IN (${list})`, cap)
    : 0;
  if (n <= cap) {
    n += await capped(
      db,
      sql`SELECT 1 FROM recording_agents WHERE multi = 1 AND ${
        startsWith("recording_agents.agent_id", prefix, true)
      }`,
      cap,
    );
  }
  return { agent: n === 0 ? "none" : n <= cap ? "index" : "scan", scopedAgents: mine };
}

/**
 * Decides how the filter's agent and number prefixes run (see
 * {@link RecordingFilter.prefixPlan}) from how many index entries they match.
 */
export async function planPrefixMatches(
  db: Db,
  f: RecordingFilter,
  options: PlanOptions = {},
): Promise<RecordingFilter> {
  if (f.prefixPlan || (!f.agentId && !f.number)) return f;
  const cap = options.cap ?? PREFIX_INDEX_MAX;
  let agent: Pick<PrefixPlan, "agent" | "scopedAgents"> = { agent: "scan" };
  let number: PrefixPlan["number"] = "scan";
  if (f.agentId && options.scopeAgents) {
    agent = await scopedAgentPlan(db, f.agentId, options.scopeAgents, cap);
  } else if (f.agentId) {
    const n = await prefixCount(db, "recording_agents", "agent_id", f.agentId, true, cap);
    if (n <= cap) agent = { agent: "index" };
  }
  if (f.number) number = await numberPlan(db, f.number, options.scopeAgents, cap);
  const scopeAgents = number === "scope" ? { scopeAgents: options.scopeAgents } : {};
  return { ...f, prefixPlan: { ...agent, number, ...scopeAgents } };
}

/**
 * The number prefix: through the ANI/DNIS indexes when they hold few matches; else,
 * within a finite scope, through the scope's `(agent_id, ani|dnis)` indexes and the
 * multi-agent partial ones (migration 0025) when those hold few; else a walk.
 */
async function numberPlan(
  db: Db,
  typed: string,
  scope: readonly string[] | undefined,
  cap: number,
): Promise<PrefixPlan["number"]> {
  const prefixes = numberPrefixes(typed);
  let n = 0;
  for (const col of ["ani", "dnis"]) {
    for (const p of prefixes) n += await prefixCount(db, "recordings", col, p, false, cap);
  }
  if (n <= cap) return "index";
  if (scope === undefined) return "scan";
  const list = sql.join(scope.map((id) => sql`${id}`));
  // The scope's rows and the multi-agent rows, each counted on its own index alone (an
  // OR of the two would read every row): the scope's multi-agent rows count twice,
  // which only ever picks the walk a little early.
  const who = [
    ...(scope.length ? [sql`agent_id IN (${list})`] : []),
    sql`multi_agent = 1`,
  ];
  n = 0;
  for (const col of ["ani", "dnis"]) {
    for (const p of prefixes) {
      for (const w of who) {
        const range = startsWith(`recordings.${col}`, p, false);
        n += await capped(db, sql`SELECT 1 FROM recordings WHERE ${w} AND ${range}`, cap - n);
        if (n > cap) return "scan";
      }
    }
  }
  return "scope";
}
