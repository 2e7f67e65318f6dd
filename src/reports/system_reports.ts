/**
 * Report queries over rule decisions and the audit trail: per-rule selective ratio,
 * archive and purge volumes, storage used with growth and a days-to-full forecast. With
 * `params.access`, each counts only the calls and recordings its reader may see (the
 * storage figures then are the reader's share of the spool).
 */
import { sql } from "kysely";
import type { Db } from "../store/db.ts";
import { dayOf, daysIn, filterSql, percent, type ReportParams } from "./params.ts";
import { decisionScopeSql, recordingScopeSql, type ReportAccess } from "./scope.ts";

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
  const f = params.filters;
  const callFilter = f && (f.businessUnit || f.agentId || f.customerType || f.language)
    ? sql`AND d.call_id IN (SELECT c.id FROM calls c WHERE 1 = 1 ${
      filterSql(f, "c", { rule: false })
    })`
    : sql``;
  const scope = await decisionScopeSql(db, params.access, params);
  const ruleFilter = f?.ruleId ? sql`AND json_extract(t.value, '$.id') = ${f.ruleId}` : sql``;
  const { rows } = await sql<
    { ruleId: string; evaluated: number; recorded: number; traced: number }
  >`
    WITH ranked AS (
      SELECT d.trace, ROW_NUMBER() OVER (PARTITION BY d.call_key ORDER BY d.id DESC) AS k
      FROM rule_decisions d
      WHERE d.evaluated_at >= ${params.from} AND d.evaluated_at < ${params.to}
        AND d.origin != 'simulate' ${callFilter} ${scope}
    ), latest AS (SELECT trace FROM ranked WHERE k = 1)
    SELECT json_extract(t.value, '$.id') AS ruleId,
      COUNT(*) AS evaluated,
      SUM(json_extract(t.value, '$.outcome') = 'matched') AS recorded,
      MAX(json_extract(t.value, '$.sample.percent')) AS traced
    FROM latest d, json_each(d.trace, '$.rules') t
    WHERE json_extract(t.value, '$.outcome') IN ('not-sampled', 'quota-exhausted', 'matched')
      ${ruleFilter}
    GROUP BY ruleId ORDER BY ruleId`.execute(db);
  return rows.map((r) => ({
    ruleId: r.ruleId,
    evaluated: r.evaluated,
    recorded: r.recorded,
    targetPercent: targets[r.ruleId] ?? r.traced ?? null,
    realizedPercent: percent(r.recorded, r.evaluated),
  }));
}

/** One day of {@link archivePurgeVolumes}. */
export interface ArchivePurgeRow {
  day: string;
  archived: number;
  archivedBytes: number;
  purged: number;
  purgedBytes: number;
}

/**
 * Archive and purge volumes per day from the audit trail (`recording.archive`,
 * `recording.purge`, outcome ok). Bytes from the entry's `details.bytes`, else the
 * recording's size.
 */
export async function archivePurgeVolumes(
  db: Db,
  params: ReportParams,
): Promise<ArchivePurgeRow[]> {
  const { rows } = await sql<ArchivePurgeRow>`
    SELECT ${dayOf("a.ts")} AS day,
      SUM(a.action = 'recording.archive') AS archived,
      COALESCE(SUM(CASE WHEN a.action = 'recording.archive'
        THEN COALESCE(json_extract(a.details, '$.bytes'), r.size_bytes, 0) END), 0) AS archivedBytes,
      SUM(a.action = 'recording.purge') AS purged,
      COALESCE(SUM(CASE WHEN a.action = 'recording.purge'
        THEN COALESCE(json_extract(a.details, '$.bytes'), r.size_bytes, 0) END), 0) AS purgedBytes
    FROM audit_events a LEFT JOIN recordings r ON r.id = a.recording_id
    WHERE a.action IN ('recording.archive', 'recording.purge') AND a.outcome = 'ok'
      AND a.ts >= ${params.from} AND a.ts < ${params.to}
      ${recordingScopeSql(db, params.access, "r")}
    GROUP BY day`.execute(db);
  const byDay = new Map(rows.map((r) => [r.day, { ...r }]));
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

async function spoolBytesNow(db: Db, access: ReportAccess | undefined): Promise<number> {
  const r = await sql<{ used: number }>`
    SELECT COALESCE(SUM(r.size_bytes), 0) AS used FROM recordings r
    JOIN storage_locations s ON s.id = r.storage_location_id
    WHERE s.kind = 'spool' AND r.state NOT IN ('deleted', 'purged')
      ${recordingScopeSql(db, access, "r")}`.execute(db);
  return r.rows[0]?.used ?? 0;
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
  const added = await sql<{ day: string; bytes: number }>`
    SELECT ${dayOf("r.started_at")} AS day, COALESCE(SUM(r.size_bytes), 0) AS bytes
    FROM recordings r WHERE r.started_at >= ${params.from} AND r.started_at < ${until}
      ${recordingScopeSql(db, params.access, "r")}
    GROUP BY day`.execute(db);
  const removed = await archivePurgeVolumes(db, {
    from: params.from,
    to: until,
    access: params.access,
  });
  const addedBy = new Map(added.rows.map((r) => [r.day, r.bytes]));
  const removedBy = new Map(removed.map((r) => [r.day, r.archivedBytes + r.purgedBytes]));
  const usedBytes = await spoolBytesNow(db, params.access);
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
