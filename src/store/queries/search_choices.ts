/**
 * Pick-list values for the search form, from values actually present in `recordings`:
 * each distinct value is one seek of its NOCASE index (a skip scan: the next value
 * greater than the last), so a list costs one index probe per value, not a table scan.
 * Values that differ only in ASCII case are one choice (search matches either).
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db.ts";
import { agentOrgPaths, type RecordingViewer } from "./recording_access.ts";

/** The columns with a pick-list, each with a NOCASE index (migration 0019). */
export type ChoiceColumn = "business_unit" | "language" | "customer_type" | "agent_id";

/** Distinct non-empty values of `column` in NOCASE order, at most `max`. */
export async function distinctValues(db: Db, column: ChoiceColumn, max = 200): Promise<string[]> {
  const col = sql.ref(`recordings.${column}`);
  const out: string[] = [];
  let last: string | null = null;
  while (out.length < max) {
    const after: RawBuilder<unknown> = last === null
      ? sql`${col} > ''`
      : sql`${col} > ${last} COLLATE NOCASE`;
    const { rows }: { rows: { v: string }[] } = await sql<
      { v: string }
    >`SELECT ${col} AS v FROM recordings
      WHERE ${after} ORDER BY ${col} COLLATE NOCASE LIMIT 1`.execute(db);
    if (rows.length === 0) break;
    const v: string = rows[0].v;
    out.push(v);
    last = v;
  }
  return out;
}

/**
 * Agent ids present on recordings that `viewer`'s hierarchy check lets through: their
 * own id, agents placed in their org subtree and, for a root unit, unplaced agents
 * (src/auth/access.ts). Without a hierarchy check, every agent; no viewer, none.
 */
export async function agentsInScope(
  db: Db,
  viewer: RecordingViewer | null,
  max = 1000,
): Promise<string[]> {
  if (viewer === null) return [];
  const present = await distinctValues(db, "agent_id", max);
  const h = viewer.hierarchy;
  if (h === null) return present;
  const paths = await agentOrgPaths(db);
  return present.filter((id) => {
    const path = paths.get(id);
    return id === h.agentId || (path !== undefined && h.orgPath !== null &&
      path.startsWith(h.orgPath)) ||
      (h.orgRoot && path === undefined);
  });
}
