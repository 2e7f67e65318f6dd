/**
 * The recording visibility rule of src/auth/access.ts as SQL. auth decides what a
 * principal may see and hands a {@link RecordingViewer} here; these functions turn it
 * into a WHERE over `recordings` and answer the org-path questions the rule needs.
 */
import { type Expression, type ExpressionBuilder, sql, type SqlBool } from "kysely";
import type { Database } from "../schema/database.ts";
import type { Db } from "../db.ts";
import type { Recording } from "../schema/recordings.ts";

/** Who looks at recordings, once the permission is granted (null: no permission). */
export interface RecordingViewer {
  /** Partitions the recording must share one of; null when no partition check applies. */
  partitions: readonly string[] | null;
  /** Own / subtree / unplaced-at-root check; null when no hierarchy check applies. */
  hierarchy: { agentId: string | null; orgPath: string | null; orgRoot: boolean } | null;
}

/** A WHERE callback over `recordings`. */
export type RecordingWhere = (
  eb: ExpressionBuilder<Database, "recordings">,
) => Expression<SqlBool>;

/**
 * The search form of the rule: a WHERE and, when the viewer sees only a finite list of
 * agents (a hierarchy check from a unit that is not a root), that list, so a search can
 * resolve an agent prefix within it before querying.
 */
export type RecordingSearchWhere = RecordingWhere & { readonly scopeAgents?: readonly string[] };

/**
 * Up to this many agents, a search WHERE carries its viewer's agent list (the prefix
 * plans repeat it as SQL parameters, about seven times; SQLite allows 32,766).
 */
export const SCOPE_LIST_MAX = 1000;

const FALSE = sql<SqlBool>`0 = 1`;
const TRUE = sql<SqlBool>`1 = 1`;

/** SQL for the org path of the agent `agentId` names (agents table first, then users). */
function orgPathSql(agentId: ReturnType<typeof sql.ref>) {
  return sql<string | null>`COALESCE(
  (SELECT ou.path FROM agents a JOIN org_units ou ON ou.id = a.org_unit_id
    WHERE a.agent_id = ${agentId}),
  (SELECT ou.path FROM users u JOIN org_units ou ON ou.id = u.org_unit_id
    WHERE u.agent_id = ${agentId} ORDER BY u.id LIMIT 1))`;
}

/** SQL: some agent on the recording (recording_agents) satisfies `cond`. */
function someAgent(cond: (agentId: ReturnType<typeof sql.ref>) => Expression<SqlBool>) {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM recording_agents ra
    WHERE ra.recording_id = recordings.id AND ${cond(sql.ref("ra.agent_id"))})`;
}

/**
 * SQL: any agent on the recording satisfies `cond` — the first agent from its column, and
 * only on a recording a transfer brought more agents onto (`multi_agent`, migration
 * 0015) the probe of recording_agents. Single-agent rows cost no subquery.
 */
function anyAgent(cond: (agentId: ReturnType<typeof sql.ref>) => Expression<SqlBool>) {
  return sql<SqlBool>`((recordings.agent_id IS NOT NULL AND ${
    cond(sql.ref("recordings.agent_id"))
  }) OR (recordings.multi_agent = 1 AND ${someAgent(cond)}))`;
}

/** SQL: the recording has no agent at all (none at the start, none brought in). */
const NO_AGENT = sql<SqlBool>`(recordings.agent_id IS NULL AND recordings.multi_agent = 0)`;

/**
 * The recordings `viewer` sees, as a WHERE (none for a null viewer). The hierarchy check
 * holds when ANY agent on the recording (recording_agents: the first one and everyone a
 * transfer brought in) is the viewer or in the viewer's subtree.
 */
export function recordingVisibleWhere(viewer: RecordingViewer | null): RecordingWhere {
  return (eb) => {
    if (viewer === null) return FALSE;
    const parts: Expression<SqlBool>[] = [];
    if (viewer.partitions !== null) {
      if (viewer.partitions.length === 0) return FALSE;
      parts.push(eb.exists(
        eb.selectFrom("recording_partitions").select(sql`1`.as("one"))
          .whereRef("recording_partitions.recording_id", "=", "recordings.id")
          .where("recording_partitions.partition", "in", [...viewer.partitions]),
      ));
    }
    const h = viewer.hierarchy;
    if (h !== null) {
      const any: Expression<SqlBool>[] = [];
      const { agentId, orgPath } = h;
      if (agentId !== null) any.push(anyAgent((a) => sql<SqlBool>`${a} = ${agentId}`));
      if (orgPath !== null) {
        any.push(
          anyAgent((a) =>
            sql<SqlBool>`substr(${orgPathSql(a)}, 1, ${orgPath.length}) = ${orgPath}`
          ),
        );
      }
      if (h.orgRoot) {
        any.push(NO_AGENT, anyAgent((a) => sql<SqlBool>`${orgPathSql(a)} IS NULL`));
      }
      if (any.length === 0) return FALSE;
      parts.push(eb.or(any));
    }
    return parts.length === 0 ? TRUE : eb.and(parts);
  };
}

/**
 * The same rule as {@link recordingVisibleWhere}, resolved for search at scale: the
 * viewer's org subtree is turned once into a list of agent ids (and, for a root unit,
 * the list of placed agents), so each candidate row costs an IN-list lookup instead of
 * two correlated subqueries. Results are identical (tested in src/auth).
 */
export async function recordingVisibleSearchWhere(
  db: Db,
  viewer: RecordingViewer | null,
): Promise<RecordingSearchWhere> {
  if (viewer === null || viewer.hierarchy === null) return recordingVisibleWhere(viewer);
  const h = viewer.hierarchy;
  const paths = await agentOrgPaths(db);
  const inSubtree = h.orgPath === null
    ? []
    : [...paths].filter(([, path]) => path.startsWith(h.orgPath!)).map(([id]) => id);
  const placed = [...paths.keys()];
  const partitionsOnly = recordingVisibleWhere({ partitions: viewer.partitions, hierarchy: null });
  // Outside a root unit nobody sees unplaced agents: what is visible is a finite list
  // (passed on while short enough to repeat as SQL parameters).
  const visible = [...new Set([...(h.agentId !== null ? [h.agentId] : []), ...inSubtree])];
  const scopeAgents = h.orgRoot || visible.length > SCOPE_LIST_MAX ? undefined : visible;
  // At a root unit whose subtree holds every placed agent, each agent on a recording is
  // in the subtree or unplaced, so the check holds for any recording but one marked
  // multi-agent with no agent row: no agent list to bind and test per row (an admin's
  // search). `+` keeps SQLite on the page order's index.
  if (h.orgRoot && placed.length > 0 && inSubtree.length === placed.length) {
    const anyone = sql<SqlBool>`(+recordings.agent_id IS NOT NULL OR +recordings.multi_agent = 0
      OR EXISTS (SELECT 1 FROM recording_agents ra WHERE ra.recording_id = recordings.id))`;
    return (eb) => eb.and([partitionsOnly(eb), anyone]);
  }
  const where: RecordingWhere = (eb) => {
    const base = partitionsOnly(eb);
    const any: Expression<SqlBool>[] = [];
    const { agentId } = h;
    if (agentId !== null) any.push(anyAgent((a) => sql<SqlBool>`${a} = ${agentId}`));
    // Unary `+` keeps these lists from steering SQLite onto an agent index: the page
    // query should walk the (started_at, id) index and stop after one page. The first
    // agent's column decides single-agent rows; only rows a transfer brought more agents
    // onto (`multi_agent`) probe recording_agents.
    const list = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`));
    if (inSubtree.length) {
      any.push(anyAgent((a) => sql<SqlBool>`+${a} IN (${list(inSubtree)})`));
    }
    if (h.orgRoot) {
      any.push(
        NO_AGENT,
        placed.length ? anyAgent((a) => sql<SqlBool>`+${a} NOT IN (${list(placed)})`) : TRUE,
      );
    }
    if (any.length === 0) return FALSE;
    if (scopeAgents === undefined) return eb.and([base, eb.or(any)]);
    // Implied by the rule, and testable from the walk index alone (migration 0025), so
    // SQLite drops most rows of other teams before it reads them.
    const first = sql<SqlBool>`(+recordings.agent_id IN (${
      list(scopeAgents)
    }) OR recordings.multi_agent = 1)`;
    return eb.and([first, base, eb.or(any)]);
  };
  return scopeAgents === undefined ? where : Object.assign(where, { scopeAgents });
}

/**
 * Every placed agent id with its org path, mirroring the org-path SQL: the agents
 * table first, else the first user carrying that agent id.
 */
export async function agentOrgPaths(db: Db): Promise<Map<string, string>> {
  const viaAgents = await db.selectFrom("agents")
    .innerJoin("org_units", "org_units.id", "agents.org_unit_id")
    .select(["agents.agent_id", "org_units.path"]).execute();
  const paths = new Map<string, string>();
  for (const a of viaAgents) paths.set(a.agent_id, a.path);
  const viaUsers = await db.selectFrom("users")
    .innerJoin("org_units", "org_units.id", "users.org_unit_id")
    .select(["users.agent_id", "org_units.path"]).where("users.agent_id", "is not", null)
    .orderBy("users.id").execute();
  for (const u of viaUsers) {
    if (u.agent_id !== null && !paths.has(u.agent_id)) paths.set(u.agent_id, u.path);
  }
  return paths;
}

/** Loads a recording only if `viewer` sees it; undefined whether missing or hidden. */
export async function findVisibleRecording(
  db: Db,
  id: string,
  viewer: RecordingViewer | null,
): Promise<Recording | undefined> {
  return await db.selectFrom("recordings").selectAll().where("recordings.id", "=", id)
    .where(recordingVisibleWhere(viewer)).executeTakeFirst();
}

/** The org path of an agent (agents table first, then a user with that agent id). */
export async function agentOrgPath(db: Db, agentId: string | null): Promise<string | null> {
  if (agentId === null) return null;
  const a = await db.selectFrom("agents")
    .innerJoin("org_units", "org_units.id", "agents.org_unit_id")
    .select("org_units.path").where("agents.agent_id", "=", agentId).executeTakeFirst();
  if (a) return a.path;
  const u = await db.selectFrom("users").innerJoin("org_units", "org_units.id", "users.org_unit_id")
    .select("org_units.path").where("users.agent_id", "=", agentId).orderBy("users.id")
    .limit(1).executeTakeFirst();
  return u?.path ?? null;
}
