/**
 * Reports over recordings: volumes per day / business unit / agent / customer type /
 * language, pause usage by agent, completeness and review coverage. Each is
 * `(db, params) → rows`; recordings count by `started_at` in [from, to), whatever their
 * state now (a purged recording was still recorded), and only those `params.access` may see.
 * The aggregates are in store/queries/reports.ts; here they become series and percentages.
 */
import type { Db } from "../store/db.ts";
import {
  completenessByDay,
  pausesByAgent,
  type RecordingDimension,
  type RecordingVolume,
  recordingVolumes,
  reviewCoverageByTeam,
} from "../store/queries/reports.ts";
import { daysIn, percent, type ReportParams } from "./params.ts";

export type { RecordingDimension };

/** Recordings per `dimension`; days without recordings appear with 0 when by day. */
export async function recordingsBy(
  db: Db,
  params: ReportParams,
  dimension: RecordingDimension,
): Promise<RecordingVolume[]> {
  const out = await recordingVolumes(db, params, dimension);
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
  const rows = await pausesByAgent(db, params);
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
  const rows = await completenessByDay(db, params);
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
  const rows = await reviewCoverageByTeam(db, params);
  return rows.map((r) => ({ ...r, coveragePercent: percent(r.played, r.recordings) }));
}
