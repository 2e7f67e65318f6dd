/**
 * Report queries over recordings: volumes per day / business unit / agent / customer
 * type / language, pause usage by agent and completeness. Each is a pure query
 * `(db, params) → rows`; recordings count by `started_at` in [from, to), whatever their
 * state now (a purged recording was still recorded), and only those `params.access` may see.
 */
import { sql } from "kysely";
import type { Db } from "../store/db.ts";
import { dayOf, daysIn, filterSql, percent, type ReportParams } from "./params.ts";
import { recordingScopeSql } from "./scope.ts";

/** What recordings can be grouped by. */
export type RecordingDimension =
  | "day"
  | "business_unit"
  | "agent_id"
  | "customer_type"
  | "language";

/** One group of {@link recordingsBy}. */
export interface RecordingVolumeRow {
  key: string;
  recordings: number;
  durationMinutes: number;
  bytes: number;
}

/** Label for a missing dimension value. */
export const NONE = "(none)";

/** Recordings per `dimension`; days without recordings appear with 0 when by day. */
export async function recordingsBy(
  db: Db,
  params: ReportParams,
  dimension: RecordingDimension,
): Promise<RecordingVolumeRow[]> {
  const key = dimension === "day"
    ? dayOf("r.started_at")
    : sql<string>`COALESCE(${sql.ref(`r.${dimension}`)}, ${NONE})`;
  const { rows } = await sql<RecordingVolumeRow>`
    SELECT ${key} AS key, COUNT(*) AS recordings,
      ROUND(COALESCE(SUM(r.duration_ms), 0) / 60000.0, 1) AS durationMinutes,
      COALESCE(SUM(r.size_bytes), 0) AS bytes
    FROM recordings r
    WHERE r.started_at >= ${params.from} AND r.started_at < ${params.to}
      ${filterSql(params.filters, "r")} ${recordingScopeSql(db, params.access, "r")}
    GROUP BY key ORDER BY ${dimension === "day" ? sql`key` : sql`recordings DESC, key`}`
    .execute(db);
  const out = rows.map((r) => ({ ...r }));
  if (dimension !== "day") return out;
  const byDay = new Map(out.map((r) => [r.key, r]));
  return daysIn(params.from, params.to).map((d) =>
    byDay.get(d) ?? { key: d, recordings: 0, durationMinutes: 0, bytes: 0 }
  );
}

/** One agent of {@link pauseUsage}. */
export interface PauseUsageRow {
  agentId: string;
  recordings: number;
  pausedRecordings: number;
  pauses: number;
  pausedSeconds: number;
  /** Share of the agent's recordings with at least one pause, %. */
  pausedShare: number | null;
}

/** Pause usage by agent (open pauses count to the end of the recording). */
export async function pauseUsage(db: Db, params: ReportParams): Promise<PauseUsageRow[]> {
  const { rows } = await sql<Omit<PauseUsageRow, "pausedShare">>`
    SELECT COALESCE(r.agent_id, ${NONE}) AS agentId,
      COUNT(*) AS recordings,
      SUM(p.n > 0) AS pausedRecordings,
      COALESCE(SUM(p.n), 0) AS pauses,
      ROUND(COALESCE(SUM(p.ms), 0) / 1000.0, 1) AS pausedSeconds
    FROM recordings r
    LEFT JOIN (
      SELECT recording_id, COUNT(*) AS n,
        SUM(MAX(0, COALESCE(pz.end_ms, rr.duration_ms, pz.start_ms) - pz.start_ms)) AS ms
      FROM pauses pz JOIN recordings rr ON rr.id = pz.recording_id
      GROUP BY recording_id
    ) p ON p.recording_id = r.id
    WHERE r.started_at >= ${params.from} AND r.started_at < ${params.to}
      ${filterSql(params.filters, "r")} ${recordingScopeSql(db, params.access, "r")}
    GROUP BY agentId ORDER BY pauses DESC, agentId`.execute(db);
  return rows.map((r) => ({ ...r, pausedShare: percent(r.pausedRecordings, r.recordings) }));
}

/** One day of {@link completeness}. */
export interface CompletenessRow {
  day: string;
  recordings: number;
  interrupted: number;
  noMedia: number;
  oneWay: number;
  /** Recordings with none of the three problems, %. */
  completePercent: number | null;
}

/** Completeness per day: interrupted, no-media and one-way recordings. */
export async function completeness(db: Db, params: ReportParams): Promise<CompletenessRow[]> {
  const { rows } = await sql<Omit<CompletenessRow, "completePercent"> & { clean: number }>`
    SELECT ${dayOf("r.started_at")} AS day, COUNT(*) AS recordings,
      SUM(r.flag_interrupted = 1 OR r.state = 'interrupted') AS interrupted,
      SUM(r.flag_no_media = 1) AS noMedia,
      SUM(r.flag_one_way = 1) AS oneWay,
      SUM(r.flag_interrupted = 0 AND r.state != 'interrupted' AND r.flag_no_media = 0
        AND r.flag_one_way = 0) AS clean
    FROM recordings r
    WHERE r.started_at >= ${params.from} AND r.started_at < ${params.to}
      ${filterSql(params.filters, "r")} ${recordingScopeSql(db, params.access, "r")}
    GROUP BY day`.execute(db);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return daysIn(params.from, params.to).map((day) => {
    const r = byDay.get(day);
    if (!r) {
      return { day, recordings: 0, interrupted: 0, noMedia: 0, oneWay: 0, completePercent: null };
    }
    const { clean, ...rest } = r;
    return { ...rest, completePercent: percent(clean, r.recordings) };
  });
}

/** One team of {@link reviewCoverage}. */
export interface ReviewCoverageRow {
  team: string;
  recordings: number;
  played: number;
  coveragePercent: number | null;
}

/**
 * Review coverage: share of recordings played at least once (an `ok` `recording.play`
 * audit row, at any time), by the agent's team (org unit). Every recording started in the
 * range counts, whatever its state now.
 */
export async function reviewCoverage(db: Db, params: ReportParams): Promise<ReviewCoverageRow[]> {
  const { rows } = await sql<Omit<ReviewCoverageRow, "coveragePercent">>`
    SELECT COALESCE(o.name, ${"(no team)"}) AS team, COUNT(*) AS recordings,
      SUM(EXISTS (SELECT 1 FROM audit_events a WHERE a.recording_id = r.id
        AND a.action = 'recording.play' AND a.outcome = 'ok')) AS played
    FROM recordings r
    LEFT JOIN agents ag ON ag.agent_id = r.agent_id
    LEFT JOIN org_units o ON o.id = ag.org_unit_id
    WHERE r.started_at >= ${params.from} AND r.started_at < ${params.to}
      ${filterSql(params.filters, "r")} ${recordingScopeSql(db, params.access, "r")}
    GROUP BY team ORDER BY team`.execute(db);
  return rows.map((r) => ({ ...r, coveragePercent: percent(r.played, r.recordings) }));
}
