/**
 * The aggregate SQL of the reports: volumes, pauses, completeness and review coverage over
 * recordings, rule outcomes over decision traces, archive/purge bytes over the audit
 * trail, spool bytes. Each counts rows in [from, to) (ISO 8601, UTC days) that pass the
 * filters and, with `access`, only the recordings its reader may see. Shaping into
 * series, percentages and charts is src/reports' job.
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../db.ts";
import type { RecordingWhere } from "./recording_access.ts";

/** Filters on recordings (and, through calls, on rule decisions). */
export interface ReportFilters {
  businessUnit?: string;
  agentId?: string;
  customerType?: string;
  language?: string;
  /** Rule that decided the recording (selective ratio: the rule evaluated). */
  ruleId?: string;
}

/** What every report query takes. */
export interface ReportQuery {
  /** Inclusive, ISO 8601. */
  from: string;
  /** Exclusive, ISO 8601. */
  to: string;
  filters?: ReportFilters;
  /** The reader's search WHERE over `recordings`; absent: every recording counts. */
  access?: { recordings: RecordingWhere };
}

/**
 * The rule decisions a reader may count: those on a call of one of `agents` (the call's
 * `agent_id`, null for none) that, unless `partitions` is null, carry one of `partitions`
 * (decision_partitions rows).
 */
export interface DecisionScope {
  agents: readonly (string | null)[];
  /** Null: no partition check (the reader has `*`, or partitions are not scoped). */
  partitions: readonly string[] | null;
}

/** The filter columns, in the order their conditions are written. */
const FILTER_COLUMNS = [
  ["businessUnit", "business_unit"],
  ["agentId", "agent_id"],
  ["customerType", "customer_type"],
  ["language", "language"],
  ["ruleId", "rule_id"],
] as const;

/** Label of a missing dimension value. */
const NONE = "(none)";

/** The UTC day (YYYY-MM-DD) of an ISO timestamp column. */
function dayOf(column: string): RawBuilder<string> {
  return sql<string>`substr(${sql.ref(column)}, 1, 10)`;
}

/** `AND col = ?` for the set filters on alias `alias` (`ruleId` only when `rule`). */
function filterSql(
  filters: ReportFilters | undefined,
  alias: string,
  rule = true,
): RawBuilder<unknown> {
  const parts = FILTER_COLUMNS.filter(([key]) => filters?.[key] && (key !== "ruleId" || rule))
    .map(([key, column]) => sql`AND ${sql.ref(`${alias}.${column}`)} = ${filters![key]!}`);
  return parts.length === 0 ? sql`` : sql.join(parts, sql` `);
}

/** `AND <alias>.id IN (recordings the reader may see)`; empty without `access`. */
function recordingScopeSql(
  db: Db,
  access: ReportQuery["access"],
  alias: string,
): RawBuilder<unknown> {
  if (!access) return sql``;
  // Kysely parenthesizes an embedded select itself; extra parentheses would turn it into
  // a scalar subquery (first row only).
  const visible = db.selectFrom("recordings").select("recordings.id").where(access.recordings);
  return sql`AND ${sql.ref(`${alias}.id`)} IN ${visible}`;
}

/** SQL: recordings started in range, on alias `r`, filtered and scoped (every report). */
export function startedInRange(db: Db, q: ReportQuery): RawBuilder<unknown> {
  return sql`r.started_at >= ${q.from} AND r.started_at < ${q.to}
      ${filterSql(q.filters, "r")} ${recordingScopeSql(db, q.access, "r")}`;
}

/** What recordings can be grouped by. */
export type RecordingDimension =
  | "day"
  | "business_unit"
  | "agent_id"
  | "customer_type"
  | "language";

/** One group of {@link recordingVolumes}. */
export interface RecordingVolume {
  key: string;
  recordings: number;
  durationMinutes: number;
  bytes: number;
}

/**
 * Count, minutes and bytes of recordings per `dimension` (a missing value groups as
 * "(none)"); by day in day order, else busiest first. Days without recordings are absent.
 */
export async function recordingVolumes(
  db: Db,
  q: ReportQuery,
  dimension: RecordingDimension,
): Promise<RecordingVolume[]> {
  const key = dimension === "day"
    ? dayOf("r.started_at")
    : sql<string>`COALESCE(${sql.ref(`r.${dimension}`)}, ${NONE})`;
  const { rows } = await sql<RecordingVolume>`
    SELECT ${key} AS key, COUNT(*) AS recordings,
      ROUND(COALESCE(SUM(r.duration_ms), 0) / 60000.0, 1) AS durationMinutes,
      COALESCE(SUM(r.size_bytes), 0) AS bytes
    FROM recordings r
    WHERE ${startedInRange(db, q)}
    GROUP BY key ORDER BY ${dimension === "day" ? sql`key` : sql`recordings DESC, key`}`
    .execute(db);
  return rows.map((r) => ({ ...r }));
}

/** One agent of {@link pausesByAgent}. */
export interface AgentPauses {
  agentId: string;
  recordings: number;
  pausedRecordings: number;
  pauses: number;
  pausedSeconds: number;
}

/** Recordings, paused recordings, pauses and paused seconds per agent, most pauses first. */
export async function pausesByAgent(db: Db, q: ReportQuery): Promise<AgentPauses[]> {
  const { rows } = await sql<AgentPauses>`
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
    WHERE ${startedInRange(db, q)}
    GROUP BY agentId ORDER BY pauses DESC, agentId`.execute(db);
  return rows;
}

/** One day of {@link completenessByDay}. */
export interface DayCompleteness {
  day: string;
  recordings: number;
  interrupted: number;
  noMedia: number;
  oneWay: number;
  /** Recordings with none of the three problems. */
  clean: number;
}

/** Interrupted, no-media, one-way and clean recordings per day (days with recordings). */
export async function completenessByDay(db: Db, q: ReportQuery): Promise<DayCompleteness[]> {
  const { rows } = await sql<DayCompleteness>`
    SELECT ${dayOf("r.started_at")} AS day, COUNT(*) AS recordings,
      SUM(r.flag_interrupted = 1 OR r.state = 'interrupted') AS interrupted,
      SUM(r.flag_no_media = 1) AS noMedia,
      SUM(r.flag_one_way = 1) AS oneWay,
      SUM(r.flag_interrupted = 0 AND r.state != 'interrupted' AND r.flag_no_media = 0
        AND r.flag_one_way = 0) AS clean
    FROM recordings r
    WHERE ${startedInRange(db, q)}
    GROUP BY day`.execute(db);
  return rows;
}

/** One team of {@link reviewCoverageByTeam}. */
export interface TeamReview {
  team: string;
  recordings: number;
  played: number;
}

/**
 * Recordings and those played at least once (an `ok` `recording.play` audit row, at any
 * time) per agent's team (org unit), by team name.
 */
export async function reviewCoverageByTeam(db: Db, q: ReportQuery): Promise<TeamReview[]> {
  const { rows } = await sql<TeamReview>`
    SELECT COALESCE(o.name, ${"(no team)"}) AS team, COUNT(*) AS recordings,
      SUM(EXISTS (SELECT 1 FROM audit_events a WHERE a.recording_id = r.id
        AND a.action = 'recording.play' AND a.outcome = 'ok')) AS played
    FROM recordings r
    LEFT JOIN agents ag ON ag.agent_id = r.agent_id
    LEFT JOIN org_units o ON o.id = ag.org_unit_id
    WHERE ${startedInRange(db, q)}
    GROUP BY team ORDER BY team`.execute(db);
  return rows;
}

/** The distinct agents (calls.agent_id) of the rule decisions evaluated in [from, to). */
export async function decisionAgentsInRange(
  db: Db,
  range: { from: string; to: string },
): Promise<(string | null)[]> {
  const { rows } = await sql<{ agent: string | null }>`
    SELECT DISTINCT c.agent_id AS agent
    FROM rule_decisions d LEFT JOIN calls c ON c.id = d.call_id
    WHERE d.evaluated_at >= ${range.from} AND d.evaluated_at < ${range.to}`.execute(db);
  return rows.map((r) => r.agent);
}

/**
 * `AND` over rule_decisions alias `d`: only decisions in `scope` (null: all). The
 * partition check probes decision_partitions' primary key (decision_id, partition).
 */
function decisionScopeSql(scope: DecisionScope | null): RawBuilder<unknown> {
  if (scope === null) return sql``;
  const { agents, partitions } = scope;
  if (agents.length === 0 || partitions?.length === 0) return sql`AND 0 = 1`;
  const agentList = sql.join(agents.map((a) => sql`${a ?? ""}`));
  const partitionCheck = partitions === null ? sql`` : sql`AND EXISTS (SELECT 1
    FROM decision_partitions dp WHERE dp.decision_id = d.id
      AND dp.partition IN (${sql.join(partitions.map((p) => sql`${p}`))}))`;
  return sql`AND COALESCE((SELECT c.agent_id FROM calls c WHERE c.id = d.call_id), '')
    IN (${agentList}) ${partitionCheck}`;
}

/** One rule of {@link ruleSamplingOutcomes}. */
export interface RuleOutcomes {
  ruleId: string;
  /** Calls whose trace reached the rule's sampling step. */
  evaluated: number;
  /** Of those, calls the rule matched. */
  recorded: number;
  /** The highest sample % the traces recorded. */
  traced: number | null;
}

/**
 * Per rule, from each call's latest non-simulated decision in range: calls that reached
 * its sampling step and calls it matched. `visible` limits the decisions to the reader's
 * scope (null: all).
 */
export async function ruleSamplingOutcomes(
  db: Db,
  q: Omit<ReportQuery, "access">,
  visible: DecisionScope | null,
): Promise<RuleOutcomes[]> {
  const f = q.filters;
  const callFilter = f && (f.businessUnit || f.agentId || f.customerType || f.language)
    ? sql`AND d.call_id IN (SELECT c.id FROM calls c WHERE 1 = 1 ${filterSql(f, "c", false)})`
    : sql``;
  const ruleFilter = f?.ruleId ? sql`AND json_extract(t.value, '$.id') = ${f.ruleId}` : sql``;
  const { rows } = await sql<RuleOutcomes>`
    WITH ranked AS (
      SELECT d.trace, ROW_NUMBER() OVER (PARTITION BY d.call_key ORDER BY d.id DESC) AS k
      FROM rule_decisions d
      WHERE d.evaluated_at >= ${q.from} AND d.evaluated_at < ${q.to}
        AND d.origin != 'simulate' ${callFilter} ${decisionScopeSql(visible)}
    ), latest AS (SELECT trace FROM ranked WHERE k = 1)
    SELECT json_extract(t.value, '$.id') AS ruleId,
      COUNT(*) AS evaluated,
      SUM(json_extract(t.value, '$.outcome') = 'matched') AS recorded,
      MAX(json_extract(t.value, '$.sample.percent')) AS traced
    FROM latest d, json_each(d.trace, '$.rules') t
    WHERE json_extract(t.value, '$.outcome') IN ('not-sampled', 'quota-exhausted', 'matched')
      ${ruleFilter}
    GROUP BY ruleId ORDER BY ruleId`.execute(db);
  return rows;
}

/** One day of {@link archivePurgeByDay}. */
export interface DayArchivePurge {
  day: string;
  archived: number;
  archivedBytes: number;
  purged: number;
  purgedBytes: number;
}

/**
 * Archives and purges per day from the audit trail (`recording.archive`,
 * `recording.purge`, outcome ok), with bytes from the entry's `details.bytes`, else the
 * recording's size (days with entries only). Filters do not apply.
 */
export async function archivePurgeByDay(db: Db, q: ReportQuery): Promise<DayArchivePurge[]> {
  const { rows } = await sql<DayArchivePurge>`
    SELECT ${dayOf("a.ts")} AS day,
      SUM(a.action = 'recording.archive') AS archived,
      COALESCE(SUM(CASE WHEN a.action = 'recording.archive'
        THEN COALESCE(json_extract(a.details, '$.bytes'), r.size_bytes, 0) END), 0) AS archivedBytes,
      SUM(a.action = 'recording.purge') AS purged,
      COALESCE(SUM(CASE WHEN a.action = 'recording.purge'
        THEN COALESCE(json_extract(a.details, '$.bytes'), r.size_bytes, 0) END), 0) AS purgedBytes
    FROM audit_events a LEFT JOIN recordings r ON r.id = a.recording_id
    WHERE a.action IN ('recording.archive', 'recording.purge') AND a.outcome = 'ok'
      AND a.ts >= ${q.from} AND a.ts < ${q.to}
      ${recordingScopeSql(db, q.access, "r")}
    GROUP BY day`.execute(db);
  return rows.map((r) => ({ ...r }));
}

/** Bytes of recordings started per day in range (days with recordings; filters do not apply). */
export async function bytesAddedByDay(
  db: Db,
  q: ReportQuery,
): Promise<{ day: string; bytes: number }[]> {
  const { rows } = await sql<{ day: string; bytes: number }>`
    SELECT ${dayOf("r.started_at")} AS day, COALESCE(SUM(r.size_bytes), 0) AS bytes
    FROM recordings r WHERE r.started_at >= ${q.from} AND r.started_at < ${q.to}
      ${recordingScopeSql(db, q.access, "r")}
    GROUP BY day`.execute(db);
  return rows;
}

/** Bytes of the spool's live recordings the reader may see (all without `access`). */
export async function spoolBytesInScope(
  db: Db,
  access: ReportQuery["access"],
): Promise<number> {
  const r = await sql<{ used: number }>`
    SELECT COALESCE(SUM(r.size_bytes), 0) AS used FROM recordings r
    JOIN storage_locations s ON s.id = r.storage_location_id
    WHERE s.kind = 'spool' AND r.state NOT IN ('deleted', 'purged')
      ${recordingScopeSql(db, access, "r")}`.execute(db);
  return r.rows[0]?.used ?? 0;
}
