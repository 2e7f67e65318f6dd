/**
 * The report templates: each runs one pure query and says how to tabulate and chart
 * it. The web UI lists {@link REPORTS}; CSV and SVG come from the same result.
 */
import type { Db } from "../store/db.ts";
import { safeCsvLine } from "../audit/csv.ts";
import type { ChartSpec } from "./chart.ts";
import type { ReportParams } from "./params.ts";
import {
  completeness,
  pauseUsage,
  type RecordingDimension,
  recordingsBy,
  reviewCoverage,
} from "./recording_reports.ts";
import { archivePurgeVolumes, selectiveRatio, storageGrowth } from "./system_reports.ts";
import { QUALITY_REPORTS } from "./quality_reports.ts";

/** Inputs that come from outside the database. */
export interface ReportInputs {
  /** Rule id → target sample % (from the rules engine). */
  targets?: Readonly<Record<string, number>>;
  /** Spool capacity for the days-to-full forecast. */
  capacityBytes?: number | null;
  now?: Date;
}

/** A column of the table and the CSV. */
export interface ReportColumn {
  key: string;
  label: string;
}

/** A cell value. */
export type ReportCell = string | number | null;

/** What a template produces. */
export interface ReportResult {
  columns: ReportColumn[];
  rows: Record<string, ReportCell>[];
  chart: ChartSpec;
  /** Headline figures shown above the table (storage forecast…). */
  summary?: Record<string, ReportCell>;
}

/** One report template. */
export interface ReportTemplate {
  id: string;
  title: string;
  description: string;
  run(db: Db, params: ReportParams, inputs: ReportInputs): Promise<ReportResult>;
}

type Row = Record<string, ReportCell>;

function cols(...pairs: [string, string][]): ReportColumn[] {
  return pairs.map(([key, label]) => ({ key, label }));
}

function chartOf(
  kind: "bar" | "line",
  title: string,
  rows: Row[],
  x: string,
  ys: [string, string][],
  yLabel?: string,
): ChartSpec {
  return {
    kind,
    title,
    yLabel,
    labels: rows.map((r) => String(r[x] ?? "")),
    series: ys.map(([key, name]) => ({
      name,
      values: rows.map((r) => (typeof r[key] === "number" ? r[key] as number : null)),
    })),
  };
}

const DIMENSIONS: [RecordingDimension, string, string][] = [
  ["day", "recordings-by-day", "Recordings per day"],
  ["business_unit", "recordings-by-business-unit", "Recordings per business unit"],
  ["agent_id", "recordings-by-agent", "Recordings per agent"],
  ["customer_type", "recordings-by-customer-type", "Recordings per customer type"],
  ["language", "recordings-by-language", "Recordings per language"],
];

const volumeTemplates: ReportTemplate[] = DIMENSIONS.map(([dim, id, title]) => ({
  id,
  title,
  description: `${title}, with total minutes and bytes recorded.`,
  async run(db, params) {
    const rows = (await recordingsBy(db, params, dim)) as unknown as Row[];
    const noun = title.replace("Recordings per ", "");
    const keyLabel = dim === "day" ? "Day" : noun[0].toUpperCase() + noun.slice(1);
    return {
      columns: cols(["key", keyLabel], ["recordings", "Recordings"], [
        "durationMinutes",
        "Minutes",
      ], ["bytes", "Bytes"]),
      rows,
      chart: chartOf(dim === "day" ? "line" : "bar", title, rows, "key", [[
        "recordings",
        "Recordings",
      ]], "recordings"),
    };
  },
}));

/** Every report template, in menu order. */
export const REPORTS: readonly ReportTemplate[] = [
  ...volumeTemplates,
  {
    id: "selective-ratio",
    title: "Selective ratio per rule",
    description:
      "Calls that reached each rule's sampling, how many it recorded, target % vs realized %.",
    async run(db, params, inputs) {
      const rows = (await selectiveRatio(db, params, inputs.targets)) as unknown as Row[];
      return {
        columns: cols(
          ["ruleId", "Rule"],
          ["evaluated", "Calls evaluated"],
          [
            "recorded",
            "Recorded",
          ],
          ["targetPercent", "Target %"],
          ["realizedPercent", "Realized %"],
        ),
        rows,
        chart: chartOf("bar", "Target vs realized sample %", rows, "ruleId", [
          ["targetPercent", "Target %"],
          ["realizedPercent", "Realized %"],
        ], "%"),
      };
    },
  },
  {
    id: "pause-usage",
    title: "Pause usage by agent",
    description: "Recordings, paused recordings, pauses and paused time per agent.",
    async run(db, params) {
      const rows = (await pauseUsage(db, params)) as unknown as Row[];
      return {
        columns: cols(
          ["agentId", "Agent"],
          ["recordings", "Recordings"],
          [
            "pausedRecordings",
            "Paused recordings",
          ],
          ["pauses", "Pauses"],
          ["pausedSeconds", "Paused seconds"],
          [
            "pausedShare",
            "Paused share %",
          ],
        ),
        rows,
        chart: chartOf(
          "bar",
          "Pauses per agent",
          rows,
          "agentId",
          [["pauses", "Pauses"]],
          "pauses",
        ),
      };
    },
  },
  {
    id: "completeness",
    title: "Completeness",
    description: "Interrupted, no-media and one-way recordings per day.",
    async run(db, params) {
      const rows = (await completeness(db, params)) as unknown as Row[];
      return {
        columns: cols(
          ["day", "Day"],
          ["recordings", "Recordings"],
          ["interrupted", "Interrupted"],
          [
            "noMedia",
            "No media",
          ],
          ["oneWay", "One-way"],
          ["completePercent", "Complete %"],
        ),
        rows,
        chart: chartOf("bar", "Incomplete recordings per day", rows, "day", [
          ["interrupted", "Interrupted"],
          ["noMedia", "No media"],
          ["oneWay", "One-way"],
        ], "recordings"),
      };
    },
  },
  {
    id: "storage",
    title: "Storage used and forecast",
    description: "Spool bytes in use per day (added − archived − purged), growth and days to full.",
    async run(db, params, inputs) {
      const rep = await storageGrowth(db, params, {
        capacityBytes: inputs.capacityBytes,
        now: inputs.now ?? new Date(),
      });
      const rows = rep.days as unknown as Row[];
      return {
        columns: cols(["day", "Day"], ["addedBytes", "Added bytes"], [
          "removedBytes",
          "Removed bytes",
        ], ["usedBytes", "Used bytes"]),
        rows,
        chart: chartOf("line", "Spool bytes used", rows, "day", [["usedBytes", "Used"]], "bytes"),
        summary: {
          usedBytes: rep.usedBytes,
          capacityBytes: rep.capacityBytes,
          growthBytesPerDay: rep.growthBytesPerDay,
          daysToFull: rep.daysToFull,
        },
      };
    },
  },
  {
    id: "archive-purge",
    title: "Archive and purge volumes",
    description: "Recordings and bytes archived and purged per day, from the audit trail.",
    async run(db, params) {
      const rows = (await archivePurgeVolumes(db, params)) as unknown as Row[];
      return {
        columns: cols(
          ["day", "Day"],
          ["archived", "Archived"],
          ["archivedBytes", "Archived bytes"],
          [
            "purged",
            "Purged",
          ],
          ["purgedBytes", "Purged bytes"],
        ),
        rows,
        chart: chartOf("bar", "Archived and purged recordings", rows, "day", [
          ["archived", "Archived"],
          ["purged", "Purged"],
        ], "recordings"),
      };
    },
  },
  {
    id: "review-coverage",
    title: "Review coverage by team",
    description: "Share of recordings played at least once, by the agent's team.",
    async run(db, params) {
      const rows = (await reviewCoverage(db, params)) as unknown as Row[];
      return {
        columns: cols(["team", "Team"], ["recordings", "Recordings"], ["played", "Played"], [
          "coveragePercent",
          "Coverage %",
        ]),
        rows,
        chart: chartOf("bar", "Review coverage %", rows, "team", [[
          "coveragePercent",
          "Coverage %",
        ]], "%"),
      };
    },
  },
  ...QUALITY_REPORTS,
];

/** The template with `id`, or undefined. */
export function findReport(id: string): ReportTemplate | undefined {
  return REPORTS.find((r) => r.id === id);
}

/** The result as CSV (header from the column labels; formulas defused). */
export function reportCsv(result: ReportResult): string {
  return safeCsvLine(result.columns.map((c) => c.label)) +
    result.rows.map((r) => safeCsvLine(result.columns.map((c) => r[c.key] ?? null)))
      .join("");
}
