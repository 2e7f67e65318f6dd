/**
 * Report parameters shared by every template: a half-open date range [from, to) in
 * ISO 8601 (compared with the stored ISO timestamps; days are UTC days) and optional
 * filters on the denormalized recording fields.
 */
import { type RawBuilder, sql } from "kysely";
import type { ReportAccess } from "./scope.ts";

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
export interface ReportParams {
  /** Inclusive, ISO 8601. */
  from: string;
  /** Exclusive, ISO 8601. */
  to: string;
  filters?: ReportFilters;
  /** The reader: only what they may see counts. Absent (CLI, tests): everything. */
  access?: ReportAccess;
}

/** The filter keys, with their URL/CSV names and columns. */
export const FILTER_FIELDS = [
  { key: "businessUnit", param: "bu", column: "business_unit", label: "Business unit" },
  { key: "agentId", param: "agent", column: "agent_id", label: "Agent" },
  { key: "customerType", param: "ctype", column: "customer_type", label: "Customer type" },
  { key: "language", param: "lang", column: "language", label: "Language" },
  { key: "ruleId", param: "rule", column: "rule_id", label: "Rule" },
] as const;

/** The UTC day (YYYY-MM-DD) of an ISO timestamp column, as SQL. */
export function dayOf(column: string): RawBuilder<string> {
  return sql<string>`substr(${sql.ref(column)}, 1, 10)`;
}

/**
 * SQL conditions `AND col = ?` for the set filters, on table alias `alias`
 * (a recordings or calls row; `ruleId` only applies to recordings).
 */
export function filterSql(
  filters: ReportFilters | undefined,
  alias: string,
  options: { rule?: boolean } = { rule: true },
): RawBuilder<unknown> {
  const parts = FILTER_FIELDS.filter((f) =>
    filters?.[f.key] && (f.key !== "ruleId" || options.rule)
  )
    .map((f) => sql`AND ${sql.ref(`${alias}.${f.column}`)} = ${filters![f.key]!}`);
  return parts.length === 0 ? sql`` : sql.join(parts, sql` `);
}

/** Every UTC day in [from, to), for series without holes. */
export function daysIn(from: string, to: string, max = 3660): string[] {
  const out: string[] = [];
  const start = Date.parse(from.slice(0, 10) + "T00:00:00Z");
  const end = Date.parse(to);
  for (let t = start; t < end && out.length < max; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Percentage with one decimal, null when the denominator is 0. */
export function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 1000) / 10;
}
