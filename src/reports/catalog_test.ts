import assert from "node:assert/strict";
import { tempBox } from "../audit/_test_util.ts";
import { parseCsv } from "../audit/csv.ts";
import { seedReports } from "./_seed_test_util.ts";
import { findReport, reportCsv, REPORTS } from "./catalog.ts";
import { renderChart } from "./chart.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("every report template runs, tabulates and charts the seeded data", opts, async () => {
  await using box = await tempBox();
  await seedReports(box.store.db, box.audit, box.clock);
  const params = { from: "2026-05-01T00:00:00Z", to: "2026-05-06T00:00:00Z" };
  assert.equal(REPORTS.length, 14);
  for (const t of REPORTS) {
    const res = await t.run(box.store.db, params, { now: new Date("2026-05-07T00:00:00Z") });
    assert.ok(res.rows.length > 0, t.id);
    const csv = parseCsv(reportCsv(res));
    assert.deepEqual(csv[0], res.columns.map((c) => c.label), t.id);
    assert.equal(csv.length, res.rows.length + 1, t.id);
    assert.equal(res.chart.labels.length, res.rows.length, t.id);
    assert.match(renderChart(res.chart), /^<svg /, t.id);
  }
});

Deno.test("reportCsv() defuses formulas in values", () => {
  const csv = reportCsv({
    columns: [{ key: "k", label: "Business unit" }, { key: "n", label: "N" }],
    rows: [{ k: "=cmd|' /C calc'!A0", n: -1 }],
    chart: { kind: "bar", title: "", labels: [], series: [] },
  });
  assert.equal(csv, "Business unit,N\r\n'=cmd|' /C calc'!A0,-1\r\n");
  assert.equal(findReport("nope"), undefined);
});
