/**
 * A supervisor's number-prefix page (the `scope` plan of prefix_plan.ts) in page order
 * without reading every candidate row: the candidates come off the scope's
 * `(agent_id, ani|dnis, started_at, id)` indexes and the multi-agent partial ones
 * (migration 0026) as index entries, are ordered newest first on those entries, and the
 * page reads rows in that order only until it has its rows.
 */
import { sql, type SqlBool } from "kysely";
import type { Db } from "../db.ts";
import { numberPrefixes, startsWith } from "./prefix_match.ts";

/**
 * The rows a number prefix may match within a scope, newest first: every row of the
 * scope's agents, and every multi-agent row (seen, if at all, through another agent),
 * whose ANI or DNIS starts with the typed number. Columns: `k` (rowid), `started_at`,
 * `id`. A superset of the visible matches: the caller still applies the filter and the
 * access WHERE to each row it reads.
 */
export function scopedNumberCandidates(db: Db, typed: string, scope: readonly string[]) {
  const list = sql.join(scope.map((id) => sql`${id}`));
  const arms = (["recordings.ani", "recordings.dnis"] as const).flatMap((col) =>
    numberPrefixes(typed).flatMap((p) =>
      [
        ...(scope.length ? [sql<SqlBool>`recordings.agent_id IN (${list})`] : []),
        sql<SqlBool>`recordings.multi_agent = 1`,
      ].map((who) =>
        db.selectFrom("recordings")
          .select([sql<number>`recordings.rowid`.as("k"), "recordings.started_at", "recordings.id"])
          .where(who).where(startsWith(col, p, false))
      )
    )
  );
  // UNION (not ALL): a row matching through both ANI and DNIS, or both the scope and
  // the multi-agent index, is one candidate. LIMIT -1 keeps the ordered subquery a
  // co-routine, so the page reads its rows in this order and stops at the page's end.
  let q = arms[0];
  for (const arm of arms.slice(1)) q = q.union(arm);
  return q.orderBy("started_at", "desc").orderBy("id", "desc").limit(-1);
}
