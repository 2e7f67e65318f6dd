/**
 * Call quality aggregates for the reports: the stored per-recording MOS estimate
 * (migration 0019, the worst stream's ITU-T G.107 E-model MOS) per agent, business unit
 * or day, over recordings started in [from, to) that pass the filters and the reader's
 * scope (the same WHERE as every report).
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";
import { type ReportQuery, startedInRange } from "./reports.ts";

/** Below this MOS a call counts as poor (G.107 Annex B: R < 70, "many users dissatisfied"). */
export const POOR_MOS = 3.6;

/** What quality can be grouped by. */
export type QualityDimension = "agent_id" | "business_unit" | "day";

/** One group of {@link qualityBy}. */
export interface QualityGroup {
  key: string;
  recordings: number;
  /** Recordings with a MOS estimate (G.711/G.729 streams with packets). */
  rated: number;
  avgMos: number | null;
  minMos: number | null;
  /** Rated recordings with MOS below {@link POOR_MOS}. */
  poor: number;
}

/** MOS per group: by day in day order, else the worst average first. */
export async function qualityBy(
  db: Db,
  q: ReportQuery,
  dimension: QualityDimension,
): Promise<QualityGroup[]> {
  const key = dimension === "day"
    ? sql<string>`substr(r.started_at, 1, 10)`
    : sql<string>`COALESCE(${sql.ref(`r.${dimension}`)}, '(none)')`;
  const order = dimension === "day" ? sql`key` : sql`avgMos IS NULL, avgMos, key`;
  const { rows } = await sql<QualityGroup>`
    SELECT ${key} AS key, COUNT(*) AS recordings, COUNT(r.mos) AS rated,
      ROUND(AVG(r.mos), 2) AS avgMos, MIN(r.mos) AS minMos,
      COALESCE(SUM(r.mos < ${POOR_MOS}), 0) AS poor
    FROM recordings r
    WHERE ${startedInRange(db, q)}
    GROUP BY key ORDER BY ${order}`.execute(db);
  return rows.map((r) => ({ ...r }));
}
