/**
 * Who may do what to which recording — deny by default. One rule, in two forms that the
 * authorization-matrix test holds equal: {@link canAccessRecording} (pure, for one
 * recording or a live call) and {@link recordingAccessWhere} (a Kysely WHERE for search).
 *
 * A principal may perform `permission` on a recording only when all of these hold:
 * 1. `permission` is a recording permission and the principal's role grants it;
 * 2. partitions (when `scope.partitions`): the principal has `*`, or shares at least one
 *    partition with the recording (GRECORD_PARTITIONS and rule partitions, stored in
 *    recording_partitions). A recording without partitions is seen only through `*`;
 * 3. hierarchy (when `scope.hierarchy`), any of:
 *    - own: the principal's agent id is the recording's agent id (agents may play their
 *      own recordings if their role grants `recording.play`; the shipped agent role
 *      does not);
 *    - subtree: the recording's agent sits in the principal's org unit or below it. The
 *      agent's unit comes from the agents table, else from a user with that agent id;
 *    - a principal at a root unit also sees recordings whose agent is in no unit, so
 *      calls from agents not yet placed stay visible to someone.
 *    A principal in no unit sees only their own recordings.
 * Callers answer 404, not 403, when this says no.
 */
import { type Expression, type ExpressionBuilder, sql, type SqlBool } from "kysely";
import type { Database } from "../store/schema/database.ts";
import type { Db } from "../store/db.ts";
import type { Recording } from "../store/schema/recordings.ts";
import type { Permission } from "./permissions.ts";
import type { Principal } from "./principal.ts";

/** The permissions that apply to a recording. */
export const RECORDING_PERMISSIONS: readonly Permission[] = [
  "recording.search",
  "recording.play",
  "recording.export",
  "recording.delete",
  "recording.hold",
];

/** Which visibility checks apply beyond the permission (config `auth.scope`). */
export interface AccessScope {
  partitions: boolean;
  hierarchy: boolean;
}

/** The facts about a recording the rule needs. */
export interface RecordingFacts {
  partitions: readonly string[];
  agentId: string | null;
  /** Org path of the recording's agent, null when the agent is in no unit. */
  agentOrgPath: string | null;
}

/** The access rule for one recording (see the module doc). */
export function canAccessRecording(
  p: Principal,
  r: RecordingFacts,
  permission: Permission,
  scope: AccessScope,
): boolean {
  if (!RECORDING_PERMISSIONS.includes(permission) || !p.permissions.has(permission)) return false;
  if (scope.partitions && !p.partitions.includes("*")) {
    if (!r.partitions.some((x) => p.partitions.includes(x))) return false;
  }
  if (scope.hierarchy) {
    const own = p.agentId !== null && p.agentId === r.agentId;
    const subtree = p.orgPath !== null && r.agentOrgPath !== null &&
      r.agentOrgPath.startsWith(p.orgPath);
    const unplaced = p.orgRoot && r.agentOrgPath === null;
    if (!own && !subtree && !unplaced) return false;
  }
  return true;
}

type RecEb = ExpressionBuilder<Database, "recordings">;

const FALSE = sql<SqlBool>`0 = 1`;
const TRUE = sql<SqlBool>`1 = 1`;

/** SQL for the org path of `recordings.agent_id` (agents table first, then users). */
export const agentOrgPathSql = sql<string | null>`COALESCE(
  (SELECT ou.path FROM agents a JOIN org_units ou ON ou.id = a.org_unit_id
    WHERE a.agent_id = recordings.agent_id),
  (SELECT ou.path FROM users u JOIN org_units ou ON ou.id = u.org_unit_id
    WHERE u.agent_id = recordings.agent_id ORDER BY u.id LIMIT 1))`;

/**
 * The same rule as {@link canAccessRecording} as a WHERE over `recordings`:
 * `db.selectFrom("recordings").where(recordingAccessWhere(p, "recording.search", scope))`.
 */
export function recordingAccessWhere(
  p: Principal,
  permission: Permission,
  scope: AccessScope,
): (eb: RecEb) => Expression<SqlBool> {
  return (eb) => {
    if (!RECORDING_PERMISSIONS.includes(permission) || !p.permissions.has(permission)) {
      return FALSE;
    }
    const parts: Expression<SqlBool>[] = [];
    if (scope.partitions && !p.partitions.includes("*")) {
      if (p.partitions.length === 0) return FALSE;
      parts.push(eb.exists(
        eb.selectFrom("recording_partitions").select(sql`1`.as("one"))
          .whereRef("recording_partitions.recording_id", "=", "recordings.id")
          .where("recording_partitions.partition", "in", [...p.partitions]),
      ));
    }
    if (scope.hierarchy) {
      const any: Expression<SqlBool>[] = [];
      if (p.agentId !== null) any.push(eb("recordings.agent_id", "=", p.agentId));
      if (p.orgPath !== null) {
        any.push(sql<SqlBool>`substr(${agentOrgPathSql}, 1, ${p.orgPath.length}) = ${p.orgPath}`);
      }
      if (p.orgRoot) any.push(sql<SqlBool>`${agentOrgPathSql} IS NULL`);
      if (any.length === 0) return FALSE;
      parts.push(eb.or(any));
    }
    return parts.length === 0 ? TRUE : eb.and(parts);
  };
}

/**
 * The same rule as {@link recordingAccessWhere}, resolved for search at scale: the
 * principal's org subtree is turned once into a list of agent ids (and, for a root
 * unit, the list of placed agents), so each candidate row costs an IN-list lookup
 * instead of two correlated subqueries. Results are identical (tested).
 */
export async function recordingSearchWhere(
  db: Db,
  p: Principal,
  permission: Permission,
  scope: AccessScope,
): Promise<(eb: RecEb) => Expression<SqlBool>> {
  if (!scope.hierarchy) return recordingAccessWhere(p, permission, scope);
  // Mirror agentOrgPathSql: an agent's path comes from the agents table, else from the
  // first user carrying that agent id.
  const viaAgents = await db.selectFrom("agents").innerJoin(
    "org_units",
    "org_units.id",
    "agents.org_unit_id",
  )
    .select(["agents.agent_id", "org_units.path"]).execute();
  const paths = new Map<string, string>();
  for (const a of viaAgents) paths.set(a.agent_id, a.path);
  const viaUsers = await db.selectFrom("users").innerJoin(
    "org_units",
    "org_units.id",
    "users.org_unit_id",
  )
    .select(["users.agent_id", "org_units.path"]).where("users.agent_id", "is not", null)
    .orderBy("users.id").execute();
  for (const u of viaUsers) {
    if (u.agent_id !== null && !paths.has(u.agent_id)) paths.set(u.agent_id, u.path);
  }
  const inSubtree = p.orgPath === null
    ? []
    : [...paths].filter(([, path]) => path.startsWith(p.orgPath!)).map(([id]) => id);
  const placed = [...paths.keys()];
  const noPartitionsCheck = { ...scope, hierarchy: false };
  return (eb) => {
    const base = recordingAccessWhere(p, permission, noPartitionsCheck)(eb);
    if (!RECORDING_PERMISSIONS.includes(permission) || !p.permissions.has(permission)) return FALSE;
    const any: Expression<SqlBool>[] = [];
    if (p.agentId !== null) any.push(eb("recordings.agent_id", "=", p.agentId));
    // Unary `+` keeps these lists from steering SQLite onto the agent index: the page
    // query should walk the (started_at, id) index and stop after one page.
    const list = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`));
    if (inSubtree.length) any.push(sql<SqlBool>`+recordings.agent_id IN (${list(inSubtree)})`);
    if (p.orgRoot) {
      any.push(eb.or([
        eb("recordings.agent_id", "is", null),
        placed.length ? sql<SqlBool>`+recordings.agent_id NOT IN (${list(placed)})` : TRUE,
      ]));
    }
    if (any.length === 0) return FALSE;
    return eb.and([base, eb.or(any)]);
  };
}

/**
 * Loads a recording only if `p` may perform `permission` on it; undefined otherwise —
 * whether it does not exist or is not visible (answer 404 either way).
 */
export async function findAccessibleRecording(
  db: Db,
  p: Principal,
  id: string,
  permission: Permission,
  scope: AccessScope,
): Promise<Recording | undefined> {
  if (id.length === 0 || id.length > 200) return undefined;
  return await db.selectFrom("recordings").selectAll().where("recordings.id", "=", id)
    .where(recordingAccessWhere(p, permission, scope)).executeTakeFirst();
}

/** The org path of an agent (agents table first, then a user with that agent id). */
export async function agentOrgPath(db: Db, agentId: string | null): Promise<string | null> {
  if (agentId === null) return null;
  const a = await db.selectFrom("agents").innerJoin(
    "org_units",
    "org_units.id",
    "agents.org_unit_id",
  )
    .select("org_units.path").where("agents.agent_id", "=", agentId).executeTakeFirst();
  if (a) return a.path;
  const u = await db.selectFrom("users").innerJoin("org_units", "org_units.id", "users.org_unit_id")
    .select("org_units.path").where("users.agent_id", "=", agentId).orderBy("users.id")
    .limit(1).executeTakeFirst();
  return u?.path ?? null;
}
