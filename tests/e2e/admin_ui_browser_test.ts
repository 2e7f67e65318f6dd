/// <reference lib="dom" />
/**
 * The admin pages and the page frame in real Chromium against the real server (issue 17),
 * with one recorded call from src/sim:
 * - disabling a user asks in a dialog: cancel leaves the user active, confirm disables
 *   them and the page announces it (role="status"); without scripts, revoking a token
 *   asks on a confirmation page (cancel does nothing, confirm revokes);
 * - the role grid saves a checked cell in one post;
 * - an org unit moves under another (with its subtree), and a move into its own subtree
 *   is refused with a message naming both units;
 * - the audit and recordings pages have no sideways page scroll at 1,366 px and 390 px;
 * - axe-core finds no serious or critical violation on the main pages;
 * - screenshots of those pages go to tests/_artifacts/ (not committed).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, shot, signIn } from "../helpers/browser.ts";
import { query, waitFor } from "../helpers/db.ts";
import { ROOT, startServer, type TestServer } from "../helpers/server.ts";
import { axeSource, seriousViolations } from "../helpers/axe.ts";
import { runSimulation } from "../../src/sim/simulate.ts";

const VICTIM_PASSWORD = "victim password long enough";

async function addUser(server: TestServer, name: string, role: string) {
  const add = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "user", "add", name, "--role", role, "--password-stdin"],
    env: { SELREC_DATA_DIR: server.dataDir },
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = add.stdin.getWriter();
  await w.write(new TextEncoder().encode(VICTIM_PASSWORD + "\n"));
  await w.close();
  const out = await add.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** Submits the form `button` is in and waits for the page that answers. */
async function submit(page: Page, button: string) {
  await Promise.all([page.waitForNavigation(), page.click(button)]);
}

async function destructiveActionAsksFirst(page: Page, url: string, dbPath: string) {
  const disabled = () =>
    query<{ disabled: number }>(dbPath, "SELECT disabled FROM users WHERE username = 'victim'")[0]
      .disabled;
  await page.goto(`${url}/admin/users`);
  await page.click('button[aria-label="Disable victim"]');
  await page.waitForSelector("dialog#confirm-dialog[open]");
  assert.match(await page.textContent("#confirm-dialog-question") ?? "", /^Disable victim\?/);
  await shot(page, "issue17b_confirm_dialog");
  await page.click("dialog#confirm-dialog button.secondary");
  await page.waitForSelector("dialog#confirm-dialog:not([open])", { state: "attached" });
  await page.waitForTimeout(300);
  assert.equal(new URL(page.url()).pathname, "/admin/users", "cancel stays on the page");
  assert.equal(disabled(), 0, "cancel did nothing");

  await page.click('button[aria-label="Disable victim"]');
  await page.waitForSelector("dialog#confirm-dialog[open]");
  await submit(page, "#confirm-dialog-ok");
  assert.equal(disabled(), 1, "confirm disabled the user");
  assert.equal(await page.getAttribute("#flash", "role"), "status");
  assert.equal((await page.textContent("#flash"))?.trim(), "victim is disabled.");
  assert.ok(await page.isVisible('button[aria-label="Enable victim"]'));
}

async function roleGridSaves(page: Page, url: string, dbPath: string) {
  const granted = () =>
    query(
      dbPath,
      "SELECT 1 FROM role_permissions WHERE role = 'agent' AND permission = 'recording.play'",
    ).length;
  assert.equal(granted(), 0);
  await page.goto(`${url}/admin/roles`);
  await page.check("#g-agent-recording-play");
  await submit(page, "#role-grid button[type=submit]");
  assert.equal(granted(), 1);
  assert.equal((await page.textContent("#flash"))?.trim(), "Saved role agent.");
  assert.ok(await page.isChecked("#g-agent-recording-play"), "the saved grid shows it");
}

async function orgUnitMoves(page: Page, url: string, dbPath: string) {
  await page.goto(`${url}/admin/org`);
  for (const [name, parent] of [["Sales", ""], ["Team A", "Sales"], ["Support", ""]]) {
    await page.fill('form[aria-labelledby="add-unit"] input[name="name"]', name);
    const select = 'form[aria-labelledby="add-unit"] select[name="parent_id"]';
    if (parent) await page.selectOption(select, { label: `\u00a0\u00a0${parent}` });
    else await page.selectOption(select, "");
    await submit(page, 'form[aria-labelledby="add-unit"] button');
  }
  const id = (name: string) =>
    query<{ id: number; path: string }>(
      dbPath,
      "SELECT id, path FROM org_units WHERE name = ?",
      name,
    )[0];
  const [sales, team, support] = [id("Sales"), id("Team A"), id("Support")];
  await page.selectOption(`tr[data-unit="${sales.id}"] select`, String(support.id));
  await submit(page, `tr[data-unit="${sales.id}"] button[aria-label="Move Sales"]`);
  assert.match(
    await page.textContent("#flash") ?? "",
    /Unit Sales moved with 1 unit\(s\) below it under Support/,
  );
  assert.equal(id("Team A").path, `${support.path}${sales.id}/${team.id}/`);
  await page.selectOption(`tr[data-unit="${support.id}"] select`, String(team.id));
  await submit(page, `tr[data-unit="${support.id}"] button[aria-label="Move Support"]`);
  assert.match(
    await page.textContent("#form-error") ?? "",
    /Cannot move org unit "Support" under "Team A": "Team A" is inside "Support"/,
  );
  assert.equal(id("Support").path, support.path, "the refused move changed nothing");
  await shot(page, "issue17b_org_units");
}

/** Without scripts the server asks on a page of its own: cancel leaves, confirm revokes. */
async function noScriptConfirmation(
  browser: Browser,
  url: string,
  password: string,
  dbPath: string,
) {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await ctx.newPage();
    await signIn(page, url, "admin", password);
    await page.goto(`${url}/admin/tokens`);
    await page.fill('input[name="name"]', "scraper");
    await page.check('input[name="scopes"][value="metrics"]');
    await submit(page, 'form[aria-labelledby="create-token"] button[type=submit]');
    assert.match(await page.textContent("#new-token") ?? "", /^sr_/);
    const revoked = () =>
      query<{ revoked_at: string | null }>(
        dbPath,
        "SELECT revoked_at FROM api_tokens WHERE name = 'scraper'",
      )[0].revoked_at;
    await submit(page, 'button[aria-label="Revoke token scraper"]');
    assert.equal((await page.textContent("h1"))?.trim(), "Please confirm");
    assert.match(await page.textContent("#confirm-question") ?? "", /^Revoke token scraper\?/);
    await shot(page, "issue17b_confirm_page_noscript");
    await submit(page, "section.confirm a");
    assert.equal(new URL(page.url()).pathname, "/admin/tokens");
    assert.equal(revoked(), null, "cancel did nothing");
    await submit(page, 'button[aria-label="Revoke token scraper"]');
    await submit(page, "section.confirm button[type=submit]");
    assert.notEqual(revoked(), null);
    assert.equal((await page.textContent("#flash"))?.trim(), "Token scraper revoked.");
  } finally {
    await ctx.close();
  }
}

async function noSidewaysScroll(browser: Browser, url: string, password: string, paths: string[]) {
  for (const width of [1366, 390]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    try {
      const page = await ctx.newPage();
      await signIn(page, url, "admin", password);
      for (const path of paths) {
        await page.goto(`${url}${path}`);
        const { scroll, inner } = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          inner: globalThis.innerWidth,
        }));
        await shot(page, `issue17b_${path.replace(/\W+/g, "_")}_${width}px`);
        assert.ok(scroll <= inner, `${path} at ${width} px: ${scroll} px wide in ${inner} px`);
      }
    } finally {
      await ctx.close();
    }
  }
}

Deno.test({
  name: "admin UI: confirm before disabling, role grid, org move with cycle refused, " +
    "no sideways scroll at 1,366 and 390 px, axe on the main pages, screenshots",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-admin-e2e-" });
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
      args: CHROMIUM_ARGS,
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    try {
      await runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: 1,
        rate: 4,
        duration: 4,
        seed: 1,
        tones: true,
      });
      const rec = await waitFor("a finished recording", () => {
        const r =
          query<{ id: string; state: string }>(dbPath, "SELECT id, state FROM recordings")[0];
        return r && r.state === "complete" ? r : null;
      }, 20_000);
      await addUser(server, "victim", "agent");
      await signIn(page, url, "admin", server.adminPassword);
      await destructiveActionAsksFirst(page, url, dbPath);
      await roleGridSaves(page, url, dbPath);
      await orgUnitMoves(page, url, dbPath);
      await noScriptConfirmation(browser, url, server.adminPassword, dbPath);
      await noSidewaysScroll(browser, url, server.adminPassword, ["/audit", "/recordings"]);

      const main = [
        "/recordings",
        `/recordings/${encodeURIComponent(rec.id)}`,
        "/calls",
        "/audit",
        "/admin/users",
        "/admin/roles",
        "/admin/org",
        "/admin/tokens",
        "/admin/system",
        "/admin/rules",
        "/account/password",
      ];
      const axeCtx = await browser.newContext({
        bypassCSP: true,
        viewport: { width: 1366, height: 900 },
      });
      const axePage = await axeCtx.newPage();
      await signIn(axePage, url, "admin", server.adminPassword);
      const source = await axeSource();
      const found: Record<string, unknown> = {};
      for (const path of main) {
        await axePage.goto(`${url}${path}`);
        const v = await seriousViolations(axePage, source);
        if (v.length > 0) found[path] = v;
      }
      for (const path of main) {
        await page.goto(`${url}${path}`);
        const name = path.startsWith("/recordings/") ? "/recording" : path;
        await shot(page, `issue17b${name.replace(/\W+/g, "_")}`);
      }
      assert.deepEqual(found, {}, "serious or critical axe violations");
    } catch (err) {
      await shot(page, "issue17b_failure");
      throw err;
    } finally {
      await browser.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
