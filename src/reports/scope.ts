/**
 * Report scoping: a report counts only what its reader may see, by the same access rule
 * as search (src/auth/access.ts — the permission, partition overlap and org subtree).
 * Recording reports filter on the search WHERE itself; the selective-ratio report, whose
 * calls mostly have no recording, applies the pure rule to each distinct (agent,
 * partitions) of its decisions — the facts a recording of that call would carry.
 */
import {
  type Expression,
  type ExpressionBuilder,
  type RawBuilder,
  sql,
  type SqlBool,
} from "kysely";
import type { Db } from "../store/db.ts";
import type { Database } from "../store/schema/database.ts";
import type { Principal } from "../auth/principal.ts";
import type { Permission } from "../auth/permissions.ts";
import {
  type AccessScope,
  agentOrgPath,
  canAccessRecording,
  recordingSearchWhere,
} from "../auth/access.ts";

/**
 * The recording permission the access rule is evaluated for. `report.view` stands in for
 * it, so a role that sees figures but may not list recordings still gets its own scope.
 */
export const REPORT_VISIBILITY: Permission = "recording.search";

/** Who reads a report; absent from {@link ReportParams}, a report counts everything. */
export interface ReportAccess {
  principal: Principal;
  scope: AccessScope;
  /** The search WHERE over `recordings` for {@link REPORT_VISIBILITY}. */
  recordings: (eb: ExpressionBuilder<Database, "recordings">) => Expression<SqlBool>;
}

/**
 * Resolves `p`'s report scope once per request (the org subtree becomes agent lists).
 * Without `report.view` (or the visibility permission itself) nothing is visible.
 */
export async function reportAccess(
  db: Db,
  p: Principal,
  scope: AccessScope,
): Promise<ReportAccess> {
  const reader: Principal = p.permissions.has("report.view")
    ? { ...p, permissions: new Set([...p.permissions, REPORT_VISIBILITY]) }
    : p;
  return {
    principal: reader,
    scope,
    recordings: await recordingSearchWhere(db, reader, REPORT_VISIBILITY, scope),
  };
}

/** `AND <alias>.id IN (recordings the reader may see)`; empty without `access`. */
export function recordingScopeSql(
  db: Db,
  access: ReportAccess | undefined,
  alias: string,
): RawBuilder<unknown> {
  if (!access) return sql``;
  // Kysely parenthesizes an embedded select itself; extra parentheses would turn it into
  // a scalar subquery (first row only).
  const visible = db.selectFrom("recordings").select("recordings.id").where(access.recordings);
  return sql`AND ${sql.ref(`${alias}.id`)} IN ${visible}`;
}

/**
 * `AND` over rule_decisions alias `d` in [from, to): only decisions of calls whose agent
 * and partitions the reader may see. Empty without `access`.
 */
export async function decisionScopeSql(
  db: Db,
  access: ReportAccess | undefined,
  range: { from: string; to: string },
): Promise<RawBuilder<unknown>> {
  if (!access) return sql``;
  const { rows } = await sql<{ agent: string | null; partitions: string }>`
    SELECT DISTINCT c.agent_id AS agent, d.partitions AS partitions
    FROM rule_decisions d LEFT JOIN calls c ON c.id = d.call_id
    WHERE d.evaluated_at >= ${range.from} AND d.evaluated_at < ${range.to}`.execute(db);
  const paths = new Map<string | null, string | null>();
  const visible: RawBuilder<unknown>[] = [];
  for (const r of rows) {
    if (!paths.has(r.agent)) paths.set(r.agent, await agentOrgPath(db, r.agent));
    const facts = {
      partitions: r.partitions.split(",").filter(Boolean),
      agentId: r.agent,
      agentOrgPath: paths.get(r.agent) ?? null,
    };
    if (canAccessRecording(access.principal, facts, REPORT_VISIBILITY, access.scope)) {
      visible.push(sql`(${r.agent ?? ""}, ${r.partitions})`);
    }
  }
  if (visible.length === 0) return sql`AND 0 = 1`;
  return sql`AND (COALESCE((SELECT c.agent_id FROM calls c WHERE c.id = d.call_id), ''),
    d.partitions) IN (VALUES ${sql.join(visible)})`;
}
