/// <reference lib="dom" />
/**
 * Browser test in real Chromium: a report page renders its server-side SVG chart under
 * the product's CSP (no scripts, no inline styles), with an accessible name, one bar per
 * group, and a table that matches.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../helpers/browser.ts";
import { complianceHarness } from "../../web/routes/_compliance_test_util.ts";
import { seedReports } from "../../src/reports/_seed_test_util.ts";
import { CSP } from "../../web/middleware/security_headers.ts";

Deno.test({
  name: "a report page renders its SVG bar chart in Chromium under the CSP",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using h = await complianceHarness({ now: () => new Date("2026-05-07T00:00:00Z") });
    await seedReports(h.services.store.db, h.services.audit, { t: 0 });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        const res = await h.web.fetch(req);
        const out = new Response(res.body, res);
        out.headers.set("Content-Security-Policy", CSP);
        return out;
      },
    );
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({ extraHTTPHeaders: { "X-Test-Perms": "report.view" } });
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      const url = `http://127.0.0.1:${server.addr.port}/reports/recordings-by-agent` +
        "?from=2026-05-01&to=2026-05-05";
      const res = await page.goto(url);
      assert.equal(res?.status(), 200);
      const chart = page.getByRole("img", { name: "Recordings per agent" });
      assert.equal(await chart.count(), 1);
      const box = await chart.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, JSON.stringify(box));
      const bars = await page.evaluate(() =>
        Array.from(document.querySelectorAll("figure svg rect")).map((r) => ({
          h: Number(r.getAttribute("height")),
          fill: getComputedStyle(r).fill,
        }))
      );
      const rows = await page.locator("table tbody tr").count();
      assert.equal(bars.length, rows);
      assert.ok(bars.every((b) => b.h > 0 && b.fill !== "none" && b.fill !== ""));
      assert.deepEqual(violations, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
