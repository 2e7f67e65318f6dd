/**
 * Report parameters shared by every template: a half-open date range [from, to) in
 * ISO 8601 (compared with the stored ISO timestamps; days are UTC days) and optional
 * filters on the denormalized recording fields.
 */
import type { ReportFilters } from "../store/queries/reports.ts";
import type { ReportAccess } from "./scope.ts";

export type { ReportFilters };

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

/** The filter keys, with their URL/CSV names and labels (their columns: the store's). */
export const FILTER_FIELDS = [
  { key: "businessUnit", param: "bu", label: "Business unit" },
  { key: "agentId", param: "agent", label: "Agent" },
  { key: "customerType", param: "ctype", label: "Customer type" },
  { key: "language", param: "lang", label: "Language" },
  { key: "ruleId", param: "rule", label: "Rule" },
] as const;

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
