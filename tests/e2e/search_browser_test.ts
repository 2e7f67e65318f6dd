/// <reference lib="dom" />
/**
 * The recordings search in real Chromium against the real server, over three calls from
 * src/sim recorded by the box (record-all):
 * - mixed case (an agent id typed in capitals, a business unit in the URL in capitals)
 *   and a number prefix find exactly the matching recordings;
 * - an impossible date shows an error naming the field and no rows (400);
 * - a column header sorts the rows (and again the other way);
 * - an inline <audio> in a result row plays (its currentTime advances);
 * - each recording got its estimated MOS when it finished;
 * - axe-core finds no serious or critical violation on the search page, and the page
 *   does not scroll sideways at 1,366 px or 390 px (its table scrolls inside itself).
 * Screenshots go to tests/_artifacts/ (not committed).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, shot, signIn } from "../helpers/browser.ts";
import { query, waitFor } from "../helpers/db.ts";
import { startServer } from "../helpers/server.ts";
import { axeSource, seriousViolations } from "../helpers/axe.ts";
import { runSimulation, simulatedCallProfile } from "../../src/sim/simulate.ts";

const CALLS = 3;
const CALL_SECONDS = 5;

interface Rec {
  id: string;
  agent_id: string;
  ani: string;
  business_unit: string;
  duration_ms: number;
  mos: number | null;
}

/** A seed whose calls have three different agents and two business units at least. */
function seedWithVariety(): number {
  for (let seed = 1;; seed++) {
    const p = [0, 1, 2].map((i) => simulatedCallProfile(seed, i).data);
    if (
      new Set(p.map((d) => d.agentId)).size === 3 && new Set(p.map((d) => d.businessUnit)).size > 1
    ) {
      return seed;
    }
  }
}

/** The recording ids of the result rows, in page order. */
function rowIds(page: Page): Promise<string[]> {
  return page.$$eval("table.results tbody tr", (trs) => trs.map((t) => t.getAttribute("data-id")!));
}

async function noSidewaysScroll(browser: Browser, url: string, password: string, width: number) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  try {
    const page = await ctx.newPage();
    await signIn(page, url, "admin", password);
    await page.goto(`${url}/recordings`);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    await shot(page, `issue17_search_${width}px`);
    assert.ok(
      scroll <= client + 1,
      `/recordings at ${width} px: ${scroll} px wide in ${client} px`,
    );
  } finally {
    await ctx.close();
  }
}

Deno.test({
  name: "search page: mixed case, prefix, invalid date, sorting, inline play, MOS stored, axe",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const seed = seedWithVariety();
    const dir = await Deno.makeTempDir({ prefix: "selrec-search-e2e-" });
    await Deno.writeTextFile(
      `${dir}/selrec.yaml`,
      "auth:\n  mfa:\n    requiredRoles: []\nrecorder:\n  recordAll: true\n",
    );
    const server = await startServer({
      configFile: `${dir}/selrec.yaml`,
      env: { SELREC_LOG_LEVEL: "warn" },
    });
    const url = server.httpUrl;
    const dbPath = `${server.dataDir}/selrec.db`;
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [...CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    try {
      await runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: CALLS,
        rate: 4,
        duration: CALL_SECONDS,
        seed,
        tones: true,
      });
      const recs = await waitFor("three finished recordings", () => {
        const rows = query<Rec & { state: string }>(
          dbPath,
          "SELECT id, agent_id, ani, business_unit, duration_ms, mos, state FROM recordings",
        );
        return rows.length === CALLS && rows.every((r) => r.state === "complete") ? rows : null;
      }, 20_000);
      for (const r of recs) {
        assert.ok(
          r.mos !== null && r.mos > 4 && r.mos <= 4.5,
          `MOS of a clean local call: ${r.mos}`,
        );
      }
      await signIn(page, url, "admin", server.adminPassword);

      // Mixed case: the agent id typed in capitals (a prefix of it, too).
      const target = recs[0];
      await page.goto(`${url}/recordings`);
      await page.fill('input[name="agent"]', target.agent_id.toUpperCase());
      await Promise.all([
        page.waitForNavigation(),
        page.click('form.filters button[type="submit"]'),
      ]);
      assert.deepEqual(await rowIds(page), [target.id]);
      const bu = target.business_unit;
      await page.goto(`${url}/recordings?bu=${encodeURIComponent(bu.toUpperCase())}`);
      const sameBu = recs.filter((r) => r.business_unit.toLowerCase() === bu.toLowerCase());
      assert.deepEqual((await rowIds(page)).sort(), sameBu.map((r) => r.id).sort());
      assert.match(
        (await page.textContent("#result-count")) ?? "",
        new RegExp(`^${sameBu.length} recordings`),
      );

      // A number prefix: the first digits of the caller's number, typed with spaces.
      const prefix = target.ani.slice(0, 9);
      await page.goto(`${url}/recordings`);
      await page.fill('input[name="number"]', `${prefix.slice(0, 5)} ${prefix.slice(5)}`);
      await Promise.all([
        page.waitForNavigation(),
        page.click('form.filters button[type="submit"]'),
      ]);
      const byNumber = recs.filter((r) => r.ani.startsWith(prefix)).map((r) => r.id).sort();
      assert.ok(byNumber.includes(target.id));
      assert.deepEqual((await rowIds(page)).sort(), byNumber);
      await shot(page, "issue17_search_prefix");

      // An impossible date: the error names the field, and there are no rows.
      const bad = await page.goto(`${url}/recordings?from=2026-13-45&agent=${target.agent_id}`);
      assert.equal(bad?.status(), 400);
      assert.ok(await page.isVisible("#search-errors"));
      assert.match(
        (await page.textContent("#search-errors li[data-field=from]")) ?? "",
        /2026-13-45/,
      );
      assert.equal(await page.getAttribute('input[name="from"]', "aria-invalid"), "true");
      assert.deepEqual(await rowIds(page), []);
      await shot(page, "issue17_search_error");

      // Sorting by a column header, then the other way.
      await page.goto(`${url}/recordings`);
      const byDuration = (dir: number) =>
        [...recs].sort((a, b) =>
          dir * (a.duration_ms - b.duration_ms) || dir * (a.id < b.id ? -1 : 1)
        )
          .map((r) => r.id);
      await Promise.all([page.waitForNavigation(), page.click('a[data-sort="duration"]')]);
      assert.deepEqual(await rowIds(page), byDuration(-1));
      assert.equal(
        await page.getAttribute('th:has(a[data-sort="duration"])', "aria-sort"),
        "descending",
      );
      await Promise.all([page.waitForNavigation(), page.click('a[data-sort="duration"]')]);
      assert.deepEqual(await rowIds(page), byDuration(1));
      assert.equal(
        await page.getAttribute('th:has(a[data-sort="duration"])', "aria-sort"),
        "ascending",
      );
      assert.ok(await page.isVisible("time[data-localized]"), "times localized by local_time.js");
      await shot(page, "issue17_search_sorted");

      // Inline play from the first row: the audio element plays.
      const audio = "table.results tbody tr:first-child audio.inline-play";
      assert.equal(await page.getAttribute(audio, "preload"), "none");
      await page.$eval(audio, (a) => (a as HTMLAudioElement).play());
      await page.waitForFunction(
        (sel) => (document.querySelector(sel) as HTMLAudioElement).currentTime > 0.5,
        audio,
        { timeout: 10_000 },
      );
      await page.$eval(audio, (a) => (a as HTMLAudioElement).pause());

      // Accessibility of the search page with results and with an error.
      const source = await axeSource();
      const axeCtx = await browser.newContext({ bypassCSP: true });
      const axePage = await axeCtx.newPage();
      await signIn(axePage, url, "admin", server.adminPassword);
      await axePage.goto(`${url}/recordings`);
      assert.deepEqual(await seriousViolations(axePage, source), [], "/recordings");
      await axePage.goto(`${url}/recordings?from=2026-13-45`);
      assert.deepEqual(await seriousViolations(axePage, source), [], "/recordings with an error");
      await axeCtx.close();

      await noSidewaysScroll(browser, url, server.adminPassword, 1366);
      await noSidewaysScroll(browser, url, server.adminPassword, 390);
    } catch (err) {
      await shot(page, "issue17_search_failure");
      throw err;
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
