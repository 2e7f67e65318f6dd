/// <reference lib="dom" />
/**
 * The supervisor's UI in real Chromium against the real server, with two SIPREC calls
 * from src/sim (one recorded by a rule, one matching none):
 * - /calls shows both without a reload, one "recorded" by the rule and one "not
 *   recorded", and drops them when they end;
 * - the recording in progress says so, plays the audio so far, offers no waveform or export;
 * - the finished recording: clicking the waveform seeks to within 0.3 s of the clicked
 *   time, arrow keys move 5 s, the decision trace is a table naming the rule;
 * - a supervisor with no org unit and no partitions is told why the lists are empty;
 * - axe-core finds no serious or critical violation on /calls and the recording page.
 * Screenshots of each page go to tests/_artifacts/ (not committed).
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, launchChromium, shot, signIn } from "../helpers/browser.ts";
import { query, waitFor } from "../helpers/db.ts";
import { ROOT, startServer, type TestServer } from "../helpers/server.ts";
import { axeSource, seriousViolations } from "../helpers/axe.ts";
import { runSimulation, simulatedCallProfile } from "../../src/sim/simulate.ts";

const SUP_PASSWORD = "supervisor password long enough";
const CALL_SECONDS = 14;

/** A seed whose first two calls differ in business unit, and the rules that split them. */
function plan(): { seed: number; recordedBu: string; otherBu: string } {
  for (let seed = 1;; seed++) {
    const [a, b] = [0, 1].map((i) => simulatedCallProfile(seed, i).data.businessUnit);
    if (a !== b) return { seed, recordedBu: a, otherBu: b };
  }
}

async function addUser(server: TestServer, name: string, role: string, password: string) {
  const add = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "user", "add", name, "--role", role, "--password-stdin"],
    env: { SELREC_DATA_DIR: server.dataDir },
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = add.stdin.getWriter();
  await w.write(new TextEncoder().encode(password + "\n"));
  await w.close();
  const out = await add.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

/** Waits for the audio element's metadata; returns its duration in seconds. */
function audioDuration(page: Page): Promise<number> {
  return page.evaluate(() =>
    new Promise<number>((resolve, reject) => {
      const a = document.getElementById("player") as HTMLAudioElement;
      const done = () => resolve(a.duration);
      if (a.readyState >= 1) return done();
      a.addEventListener("loadedmetadata", done, { once: true });
      a.addEventListener("error", () => reject(new Error(`media error ${a.error?.code}`)), {
        once: true,
      });
    })
  );
}

Deno.test({
  name: "supervisor UI: live calls recorded vs not without reload, in-progress and finished " +
    "recording pages, click-to-seek, trace table, scope explanation, axe",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { seed, recordedBu, otherBu } = plan();
    const dir = await Deno.makeTempDir({ prefix: "selrec-sup-e2e-" });
    await Deno.mkdir(`${dir}/rules`);
    await Deno.writeTextFile(
      `${dir}/rules/split.yaml`,
      `version: 1
rules:
  - id: record-${recordedBu.toLowerCase()}
    description: records the first simulated call's business unit only
    when: { field: businessUnit, equals: "${recordedBu}" }
    then: { record: true, partitions: [qa] }
`,
    );
    await Deno.writeTextFile(`${dir}/selrec.yaml`, "auth:\n  mfa:\n    requiredRoles: []\n");
    const server = await startServer({
      configFile: `${dir}/selrec.yaml`,
      env: { SELREC_RULES_DIR: `${dir}/rules`, SELREC_LOG_LEVEL: "warn" },
    });
    const url = server.httpUrl;
    const dbPath = `${server.dataDir}/selrec.db`;
    const context = await launchChromium(`${dir}/chrome`);
    const page = await context.newPage();
    const axe = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    let sim: Promise<unknown> | null = null;
    try {
      await signIn(page, url, "admin", server.adminPassword);
      await page.goto(`${url}/calls`);
      assert.match((await page.textContent("#call-count")) ?? "", /^0 active calls/);
      await page.evaluate(() => (globalThis as unknown as { marker: number }).marker = 17);

      sim = runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: 2,
        rate: 4,
        duration: CALL_SECONDS,
        seed,
        tones: true,
      });
      // Live: both calls appear without a reload, one recorded by the rule, one not.
      await page.waitForFunction(() => document.querySelectorAll("tr[data-call]").length === 2, {
        timeout: 10_000,
      });
      await page.waitForTimeout(2500); // a few more refreshes: durations tick
      const rows = await page.$$eval("tr[data-call]", (trs) =>
        trs.map((tr) => ({
          recorded: tr.getAttribute("data-recorded"),
          text: (tr as HTMLElement).innerText,
          link: tr.querySelector("a")?.getAttribute("href") ?? null,
        })));
      const rec = rows.find((r) => r.recorded === "true");
      const not = rows.find((r) => r.recorded === "false");
      assert.ok(rec && not, JSON.stringify(rows));
      assert.match(rec.text, new RegExp(`rule record-${recordedBu.toLowerCase()}`));
      assert.match(not.text, /not recorded/);
      assert.match(not.text, /no rule matched/);
      assert.equal(not.link, null);
      assert.ok(rec.link?.startsWith("/recordings/"), String(rec.link));
      assert.match((await page.textContent("#call-count")) ?? "", /2 active calls, 1 recorded/);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { marker: number }).marker),
        17,
      );
      assert.notEqual(await page.textContent("tr[data-recorded] .duration"), "0:00");
      await shot(page, "issue17_calls");
      const axeCtx = await axe.newContext({ bypassCSP: true });
      const axePage = await axeCtx.newPage();
      await signIn(axePage, url, "admin", server.adminPassword);
      await axePage.goto(`${url}/calls`);
      const source = await axeSource();
      assert.deepEqual(await seriousViolations(axePage, source), [], "/calls");

      // The recording in progress: notice, audio so far, no waveform, export disabled.
      const recPage = await context.newPage();
      await recPage.goto(`${url}${rec.link}`);
      await recPage.waitForSelector("#in-progress");
      assert.ok(await recPage.isVisible("#waveform-later"));
      assert.ok(await recPage.isDisabled("#export-later button"));
      const soFar = await audioDuration(recPage);
      assert.ok(soFar > 1 && soFar < CALL_SECONDS + 1, `audio so far ${soFar} s`);
      await shot(recPage, "issue17_recording_in_progress");
      await recPage.close();

      await sim;
      sim = null;
      await page.waitForFunction(() => document.querySelectorAll("tr[data-call]").length === 0, {
        timeout: 10_000,
      });
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { marker: number }).marker),
        17,
      );
      const recordingId = decodeURIComponent(rec.link!.split("/").pop()!);
      await waitFor("the finished recording", () => {
        const r = query<{ state: string }>(
          dbPath,
          "SELECT state FROM recordings WHERE id = ?",
          recordingId,
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(query(dbPath, "SELECT id FROM recordings").length, 1, `${otherBu} not recorded`);

      // The finished recording: click-to-seek, keyboard seek, trace table.
      await page.goto(`${url}${rec.link}`);
      const duration = await audioDuration(page);
      assert.ok(Math.abs(duration - CALL_SECONDS) < 1.5, `duration ${duration}`);
      const img = await page.$("#waveform img");
      await page.waitForFunction(() =>
        (document.querySelector("#waveform img") as HTMLImageElement).complete
      );
      const box = (await img!.boundingBox())!;
      for (const fraction of [0.25, 0.6]) {
        await page.mouse.click(box.x + box.width * fraction, box.y + box.height / 2);
        await page.waitForFunction(() =>
          !(document.getElementById("player") as HTMLAudioElement).seeking
        );
        const t = await page.evaluate(() =>
          (document.getElementById("player") as HTMLAudioElement).currentTime
        );
        assert.ok(
          Math.abs(t - fraction * duration) < 0.3,
          `clicked ${fraction * duration} s, at ${t} s`,
        );
      }
      const before = await page.evaluate(() =>
        (document.getElementById("player") as HTMLAudioElement).currentTime
      );
      await page.focus("#waveform");
      await page.keyboard.press("ArrowLeft");
      const after = await page.evaluate(() =>
        (document.getElementById("player") as HTMLAudioElement).currentTime
      );
      assert.ok(Math.abs(before - 5 - after) < 0.3, `ArrowLeft from ${before} to ${after}`);
      assert.equal(
        await page.getAttribute("#waveform", "aria-valuenow"),
        String(Math.round(after)),
      );
      assert.ok((await page.$$(".wave-axis span")).length >= 3, "time axis ticks");
      await page.click('button[data-solo="0"]');
      assert.equal(await page.getAttribute('button[data-solo="0"]', "aria-pressed"), "true");
      assert.equal(await page.getAttribute('button[data-solo="both"]', "aria-pressed"), "false");
      await page.selectOption("#speed", "1.5");
      assert.equal(
        await page.evaluate(() =>
          (document.getElementById("player") as HTMLAudioElement).playbackRate
        ),
        1.5,
      );
      const trace = await page.$$eval(
        "table.trace-table tbody tr",
        (trs) =>
          trs.map((
            tr,
          ) => [
            tr.getAttribute("data-rule"),
            tr.getAttribute("data-outcome"),
            (tr as HTMLElement).innerText,
          ]),
      );
      const ruleId = `record-${recordedBu.toLowerCase()}`;
      const matched = trace.find((r) => r[0] === ruleId);
      assert.ok(matched, JSON.stringify(trace));
      assert.equal(matched[1], "matched");
      assert.match(
        matched[2]!,
        new RegExp(`businessUnit equals "${recordedBu}" \\(seen "${recordedBu}"\\)`),
      );
      assert.ok(await page.isHidden("pre.trace"), "the JSON is behind the toggle");
      assert.ok(await page.isVisible("time[data-localized]"), "times localized by local_time.js");
      await shot(page, "issue17_recording");
      await axePage.goto(`${url}${rec.link}`);
      assert.deepEqual(await seriousViolations(axePage, source), [], "recording page");

      // A supervisor with no org unit and no partitions is told why nothing shows.
      await addUser(server, "nobody", "supervisor", SUP_PASSWORD);
      const other = await axe.newContext();
      const sup = await other.newPage();
      await signIn(sup, url, "nobody", SUP_PASSWORD);
      for (const path of ["/recordings", "/calls"]) {
        await sup.goto(`${url}${path}`);
        const note = (await sup.textContent("#scope-note")) ?? "";
        assert.match(note, /no partitions/, path);
        assert.match(note, /in no org unit/, path);
      }
      await shot(sup, "issue17_scope_note");
    } catch (err) {
      await shot(page, "issue17_failure");
      throw err;
    } finally {
      await sim?.catch(() => {});
      await axe.close();
      await context.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
