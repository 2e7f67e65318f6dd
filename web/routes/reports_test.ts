import assert from "node:assert/strict";
import { complianceHarness } from "./_compliance_test_util.ts";
import { seedReports } from "../../src/reports/_seed_test_util.ts";
import { parseCsv } from "../../src/audit/csv.ts";
import { recordingsBy } from "../../src/reports/recording_reports.ts";

const T = { sanitizeOps: true, sanitizeResources: true };
const RANGE = "from=2026-05-01&to=2026-05-05";

Deno.test("GET /reports/:id renders the chart and table of the seeded data", T, async () => {
  await using h = await complianceHarness({ now: () => new Date("2026-05-07T00:00:00Z") });
  await seedReports(h.services.store.db, h.services.audit, { t: 0 });
  const list = await (await h.get("/reports", ["report.view"])).text();
  assert.match(list, /href="\/reports\/review-coverage"/);
  const res = await h.get(`/reports/recordings-by-business-unit?${RANGE}`, ["report.view"]);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<svg [^>]*role="img"/);
  assert.match(html, /<title id="[^"]+">Recordings per business unit<\/title>/);
  assert.doesNotMatch(html, /Export CSV/);
  const expected = await recordingsBy(h.services.store.db, {
    from: "2026-05-01T00:00:00.000Z",
    to: "2026-05-06T00:00:00.000Z",
  }, "business_unit");
  for (const row of expected) {
    assert.match(
      html,
      new RegExp(
        `<td[^>]*>${row.key.replace(/[()]/g, "\\$&")}</td><td[^>]*>${row.recordings}</td>`,
      ),
    );
  }
  const svg = await h.get(`/reports/storage/chart.svg?${RANGE}&capacity=1`, ["report.view"]);
  assert.equal(svg.headers.get("Content-Type"), "image/svg+xml");
  assert.match(await svg.text(), /Spool bytes used/);
});

Deno.test("GET /reports/:id/csv exports the rows and audits a report.export", T, async () => {
  await using h = await complianceHarness({ targets: () => ({ vip: 95 }) });
  await seedReports(h.services.store.db, h.services.audit, { t: 0 });
  const res = await h.get(`/reports/selective-ratio/csv?${RANGE}`, [
    "report.view",
    "report.export",
  ]);
  assert.equal(res.status, 200);
  const csv = parseCsv(await res.text());
  assert.deepEqual(csv[0], ["Rule", "Calls evaluated", "Recorded", "Target %", "Realized %"]);
  assert.deepEqual(csv.find((r) => r[0] === "vip")?.[3], "95");
  const last = await h.services.store.db.selectFrom("audit_events").selectAll().orderBy(
    "seq",
    "desc",
  )
    .executeTakeFirstOrThrow();
  assert.equal(last.action, "report.export");
  assert.equal(last.target_id, "selective-ratio");
  assert.deepEqual(JSON.parse(last.details).rows, csv.length - 1);
});

Deno.test("report routes need report.view, report.export for CSV, and valid dates", T, async () => {
  await using h = await complianceHarness();
  assert.equal((await h.get("/reports", null)).status, 401);
  assert.equal((await h.get("/reports", ["audit.view"])).status, 403);
  assert.equal((await h.get("/reports/completeness/csv", ["report.view"])).status, 403);
  assert.equal((await h.get("/reports/nope", ["report.view"])).status, 404);
  assert.equal((await h.get("/reports/completeness?from=x", ["report.view"])).status, 400);
  // The two refusals are audited; nothing else (no export happened).
  const n = await h.services.store.db.selectFrom("audit_events").select([
    "action",
    "outcome",
    "details",
  ])
    .orderBy("seq").execute();
  assert.deepEqual(n.map((r) => [r.action, r.outcome, JSON.parse(r.details).permission]), [
    ["access.denied", "denied", "report.view"],
    ["access.denied", "denied", "report.export"],
  ]);
});
