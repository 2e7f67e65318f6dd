/// <reference lib="dom" />
/**
 * Browser test in real Chromium against the real server process: sign in, search, open a
 * recording, check the audio element's duration matches the file and that seeking works.
 * A screenshot goes to tests/_artifacts/ on failure.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { launchChromium, playerDuration, playerTones, signIn } from "../helpers/browser.ts";
import { query, waitFor } from "../helpers/db.ts";
import { migrate, openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { makeOpus } from "../web/harness.ts";
import { startServer } from "../helpers/server.ts";

const PASSWORD = "e2e password long enough";

async function seed(dataDir: string, dir: string): Promise<number> {
  const bytes = await makeOpus(dir, 5);
  const spool = join(dataDir, "spool");
  await Deno.mkdir(join(spool, "2026"), { recursive: true });
  await Deno.writeFile(join(spool, "2026", "e2e.opus"), bytes);
  await using store = openStore(join(dataDir, "selrec.db"));
  await migrate(store.db);
  const db = store.db;
  const root = await addOrgUnit(db, "Org", null);
  await db.updateTable("users").set({ org_unit_id: root.id }).where("username", "=", "admin")
    .execute();
  const loc = await db.insertInto("storage_locations").values({
    name: "spool-e2e",
    kind: "spool",
    path: spool,
    healthy: 1,
  })
    .returning("id").executeTakeFirstOrThrow();
  const ts = "2026-03-01T09:00:00.000Z";
  await db.insertInto("calls").values(
    { id: "call-e2e", call_key: "k", source: "siprec", started_at: ts } as never,
  ).execute();
  await db.insertInto("recordings").values({
    id: "rec-e2e",
    call_id: "call-e2e",
    state: "complete",
    format: "opus",
    started_at: ts,
    duration_ms: 5000,
    size_bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    path: "2026/e2e.opus",
    storage_location_id: loc.id,
    legal_hold: 0,
    agent_id: "ag1",
    customer_id: "CUST-E2E",
    allow_pause: 1,
    flag_interrupted: 0,
    flag_no_media: 0,
    flag_one_way: 0,
    flag_paused: 0,
    flag_gaps: 0,
    created_at: ts,
  } as never).execute();
  await db.insertInto("recording_partitions").values({ recording_id: "rec-e2e", partition: "p1" })
    .execute();
  return bytes.length;
}

Deno.test({
  name: "browser: sign in, search, open a recording; duration matches the file and seeking works",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-e2e-" });
    const dataDir = join(dir, "data");
    await Deno.mkdir(dataDir);
    // This test is about playback; MFA sign-in has its own tests (mfa_serve_test.ts).
    const configFile = join(dir, "selrec.yaml");
    await Deno.writeTextFile(configFile, "auth:\n  mfa: { requiredRoles: [] }\n");
    const server = await startServer({
      dataDir,
      configFile,
      env: { SELREC_ADMIN_PASSWORD: PASSWORD, SELREC_LOG_LEVEL: "warn" },
    });
    const url = server.httpUrl;
    const context = await launchChromium(join(dir, "chrome")).catch(async (err) => {
      await server.stop();
      throw err;
    });
    const page = await context.newPage();
    try {
      await seed(dataDir, dir);
      await signIn(page, url, "admin", PASSWORD, /\/recordings/);
      await page.fill('input[name="customer"]', "CUST-E2E");
      await page.click('form.filters button[type="submit"]');
      assert.equal((await page.textContent("#result-count"))?.trim(), "1 recordings");
      await page.click('a[href="/recordings/rec-e2e"]');
      await page.waitForSelector("audio#player");
      const duration = await playerDuration(page);
      assert.ok(Math.abs(duration - 5) < 0.1, `duration ${duration}`);
      // Chromium's own Opus decoder takes the two-stream (family 1) file apart per party.
      const decoded = await playerTones(page);
      assert.equal(decoded.channels, 2);
      assert.ok(Math.abs(decoded.seconds - 5) < 0.1, `decoded ${decoded.seconds} s`);
      assert.ok(decoded.left > 1e3 && decoded.right > 1e3, JSON.stringify(decoded));
      const seeked = await page.evaluate(() =>
        new Promise<number>((resolve) => {
          const a = document.getElementById("player") as HTMLAudioElement;
          a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
          a.currentTime = 3.5;
        })
      );
      assert.ok(Math.abs(seeked - 3.5) < 0.1, `seeked to ${seeked}`);
      // Play from 3.5 s, pause: player.js reports the stretch heard, audited as recording.played.
      await page.evaluate(() =>
        new Promise<void>((resolve, reject) => {
          const a = document.getElementById("player") as HTMLAudioElement;
          a.muted = true;
          a.addEventListener("timeupdate", function tick() {
            if (a.currentTime < 3.9) return;
            a.removeEventListener("timeupdate", tick);
            a.pause();
            resolve();
          });
          a.play().catch(reject);
        })
      );
      const heard = await waitFor(
        "the recording.played audit row",
        () =>
          query<{ details: string }>(
            join(dataDir, "selrec.db"),
            "SELECT details FROM audit_events WHERE action = 'recording.played'",
          )[0],
      );
      const span = JSON.parse(heard.details);
      assert.ok(Math.abs(span.fromS - 3.5) < 0.1 && span.toS >= 3.9, `heard ${heard.details}`);
      await page.waitForFunction(
        () => {
          const img = document.querySelector("img.waveform") as HTMLImageElement | null;
          return img !== null && img.complete && img.naturalWidth > 0;
        },
        undefined,
        { timeout: 10_000 },
      );
    } catch (err) {
      await Deno.mkdir("tests/_artifacts", { recursive: true });
      await page.screenshot({ path: `tests/_artifacts/browser-${Date.now()}.png`, fullPage: true })
        .catch(() => {});
      throw err;
    } finally {
      await context.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
