/**
 * Reports over rule decisions and the audit trail: per-rule selective ratio, archive and
 * purge volumes, storage used with growth and a days-to-full forecast. With
 * `params.access`, each counts only the calls and recordings its reader may see (the
 * storage figures then are the reader's share of the spool). The aggregates are in
 * store/queries/reports.ts; here they become series, ratios and the forecast.
 */
import type { Db } from "../store/db.ts";
import {
  archivePurgeByDay,
  bytesAddedByDay,
  type DayArchivePurge,
  ruleSamplingOutcomes,
  spoolBytesInScope,
} from "../store/queries/reports.ts";
import { daysIn, percent, type ReportParams } from "./params.ts";
import { visibleDecisionScope } from "./scope.ts";

/** One rule of {@link selectiveRatio}. */
export interface SelectiveRatioRow {
  ruleId: string;
  /** Calls that reached the rule's sampling step (conditions and window held). */
  evaluated: number;
  /** Of those, calls the rule decided to record. */
  recorded: number;
  /** The rule's sample % (from the rules engine, else as the traces recorded it). */
  targetPercent: number | null;
  realizedPercent: number | null;
}

/**
 * Per-rule selective ratio from the decision traces: each call counts once per rule
 * (its latest non-simulated decision in the range), as evaluated when the rule got to sampling and
 * recorded when it matched. `targets` maps rule id → target sample %.
 */
export async function selectiveRatio(
  db: Db,
  params: ReportParams,
  targets: Readonly<Record<string, number>> = {},
): Promise<SelectiveRatioRow[]> {
  const visible = await visibleDecisionScope(db, params.access, params);
  const rows = await ruleSamplingOutcomes(db, params, visible);
  return rows.map((r) => ({
    ruleId: r.ruleId,
    evaluated: r.evaluated,
    recorded: r.recorded,
    targetPercent: targets[r.ruleId] ?? r.traced ?? null,
    realizedPercent: percent(r.recorded, r.evaluated),
  }));
}

/**
 * Archive and purge volumes per day from the audit trail (`recording.archive`,
 * `recording.purge`, outcome ok). Bytes from the entry's `details.bytes`, else the
 * recording's size.
 */
export async function archivePurgeVolumes(
  db: Db,
  params: ReportParams,
): Promise<DayArchivePurge[]> {
  const rows = await archivePurgeByDay(db, params);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return daysIn(params.from, params.to).map((day) =>
    byDay.get(day) ?? { day, archived: 0, archivedBytes: 0, purged: 0, purgedBytes: 0 }
  );
}

/** One day of {@link storageGrowth}. */
export interface StorageDayRow {
  day: string;
  addedBytes: number;
  removedBytes: number;
  /** Spool bytes in use at the end of the day (reconstructed back from now). */
  usedBytes: number;
}

/** The storage report: per-day series plus the forecast. */
export interface StorageReport {
  days: StorageDayRow[];
  usedBytes: number;
  capacityBytes: number | null;
  /** Least-squares slope of `usedBytes` over the days, bytes per day. */
  growthBytesPerDay: number;
  /** Days until the spool is full at that growth; null when not growing or no capacity. */
  daysToFull: number | null;
}

/** Least-squares slope of ys over 0..n-1. */
export function linearSlope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/**
 * Storage used on the spool now, its daily series over [from, to) reconstructed from
 * bytes added (recordings started) and removed (archived or purged, from the audit),
 * and a linear forecast of days until `capacityBytes` is reached.
 */
export async function storageGrowth(
  db: Db,
  params: ReportParams,
  options: { capacityBytes?: number | null; now: Date },
): Promise<StorageReport> {
  const nowIso = options.now.toISOString();
  const until = params.to > nowIso ? params.to : nowIso;
  const added = await bytesAddedByDay(db, { from: params.from, to: until, access: params.access });
  const removed = await archivePurgeVolumes(db, {
    from: params.from,
    to: until,
    access: params.access,
  });
  const addedBy = new Map(added.map((r) => [r.day, r.bytes]));
  const removedBy = new Map(removed.map((r) => [r.day, r.archivedBytes + r.purgedBytes]));
  const usedBytes = await spoolBytesInScope(db, params.access);
  const all = daysIn(params.from, until);
  let used = usedBytes;
  const series: StorageDayRow[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const day = all[i];
    const row = {
      day,
      addedBytes: addedBy.get(day) ?? 0,
      removedBytes: removedBy.get(day) ?? 0,
      usedBytes: Math.max(0, used),
    };
    series.unshift(row);
    used -= row.addedBytes - row.removedBytes;
  }
  const wanted = new Set(daysIn(params.from, params.to));
  const days = series.filter((d) => wanted.has(d.day));
  const growth = linearSlope(days.map((d) => d.usedBytes));
  const capacity = options.capacityBytes ?? null;
  const daysToFull = capacity !== null && growth > 0
    ? Math.max(0, Math.round(((capacity - usedBytes) / growth) * 10) / 10)
    : null;
  return {
    days,
    usedBytes,
    capacityBytes: capacity,
    growthBytesPerDay: Math.round(growth),
    daysToFull,
  };
}
