/**
 * Call quality reports: the estimated MOS (stored per recording at finish, the worst
 * stream's ITU-T G.107 E-model estimate) per agent, business unit and day, with the
 * share of poor calls. Same range, filters and reader scope as every report.
 */
import type { ReportTemplate } from "./catalog.ts";
import { daysIn, percent } from "./params.ts";
import { POOR_MOS, qualityBy, type QualityDimension } from "../store/queries/quality_reports.ts";

const VIEWS: [QualityDimension, string, string, string][] = [
  ["agent_id", "quality-by-agent", "Call quality by agent", "Agent"],
  ["business_unit", "quality-by-business-unit", "Call quality by business unit", "Business unit"],
  ["day", "quality-by-day", "Call quality by day", "Day"],
];

/** The three quality report templates. */
export const QUALITY_REPORTS: ReportTemplate[] = VIEWS.map(([dim, id, title, keyLabel]) => ({
  id,
  title,
  description: `Estimated MOS (ITU-T G.107 E-model, worst stream) per ${keyLabel.toLowerCase()}: ` +
    `average, lowest, and calls below ${POOR_MOS}; worst first.`,
  async run(db, params) {
    let groups = await qualityBy(db, params, dim);
    if (dim === "day") {
      const byDay = new Map(groups.map((g) => [g.key, g]));
      groups = daysIn(params.from, params.to).map((d) =>
        byDay.get(d) ?? { key: d, recordings: 0, rated: 0, avgMos: null, minMos: null, poor: 0 }
      );
    }
    const rows = groups.map((g) => ({ ...g, poorPercent: percent(g.poor, g.rated) }));
    return {
      columns: [
        { key: "key", label: keyLabel },
        { key: "recordings", label: "Recordings" },
        { key: "rated", label: "With MOS" },
        { key: "avgMos", label: "Average MOS" },
        { key: "minMos", label: "Lowest MOS" },
        { key: "poor", label: `MOS < ${POOR_MOS}` },
        { key: "poorPercent", label: "Poor %" },
      ],
      rows,
      chart: {
        kind: dim === "day" ? "line" : "bar",
        title: `Average estimated MOS per ${keyLabel.toLowerCase()}`,
        yLabel: "MOS",
        labels: rows.map((r) => r.key),
        series: [{ name: "Average MOS", values: rows.map((r) => r.avgMos) }],
      },
    };
  },
}));
