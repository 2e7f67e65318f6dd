/// <reference lib="dom" />
/**
 * Browser test of encryption at rest: with `encryption.enabled`, a recording sealed under
 * the box's KEK plays and seeks in Chromium — the player learns the duration from Range
 * responses the server answers by decrypting only the chunks each range touches — and
 * decodes to the two parties' tones, while the file on disk holds no Ogg page at all.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { launchChromium, playerDuration, playerTones, signIn } from "../helpers/browser.ts";
import { query } from "../helpers/db.ts";
import { startServer } from "../helpers/server.ts";
import { makeOpus } from "../web/harness.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { sealForBox, seedRecording } from "../helpers/seed_recording.ts";

const PASSWORD = "e2e password long enough";

/** How many times "OggS" (an Ogg page's capture pattern) occurs in `bytes`. */
function oggCaptures(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (
      bytes[i] === 0x4f && bytes[i + 1] === 0x67 && bytes[i + 2] === 0x67 && bytes[i + 3] === 0x53
    ) n++;
  }
  return n;
}

Deno.test({
  name: "browser: a sealed recording plays, decodes and seeks in Chromium; its file holds no Ogg",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-e2e-sealed-" });
    const dataDir = join(dir, "data");
    await Deno.mkdir(dataDir);
    const configFile = join(dir, "selrec.yaml");
    await Deno.writeTextFile(
      configFile,
      "auth:\n  mfa: { requiredRoles: [] }\nencryption: { enabled: true }\n",
    );
    const server = await startServer({
      dataDir,
      configFile,
      env: { SELREC_ADMIN_PASSWORD: PASSWORD, SELREC_LOG_LEVEL: "warn" },
    });
    const context = await launchChromium(join(dir, "chrome")).catch(async (err) => {
      await server.stop();
      throw err;
    });
    const page = await context.newPage();
    try {
      const ogg = await makeOpus(dir, 5);
      const { keyId, sealed } = await sealForBox(dataDir, ogg);
      let file: string;
      {
        await using store = openStore(join(dataDir, "selrec.db"));
        const root = await addOrgUnit(store.db, "Org", null);
        await store.db.updateTable("users").set({ org_unit_id: root.id })
          .where("username", "=", "admin").execute();
        file = await seedRecording(store, {
          id: "rec-sealed",
          stored: sealed,
          keyId,
          durationMs: 5000,
          customerId: "CUST-SEALED",
        });
      }
      assert.ok(oggCaptures(ogg) >= 3, "the plaintext is Ogg pages");
      assert.equal(oggCaptures(await Deno.readFile(file)), 0, "the file on disk holds no Ogg page");

      await signIn(page, server.httpUrl, "admin", PASSWORD, /\/recordings/);
      await page.goto(`${server.httpUrl}/recordings/rec-sealed`);
      await page.waitForSelector("audio#player");
      const duration = await playerDuration(page);
      assert.ok(Math.abs(duration - 5) < 0.1, `duration ${duration}`);
      const decoded = await playerTones(page);
      assert.ok(Math.abs(decoded.seconds - 5) < 0.1, `decoded ${decoded.seconds} s`);
      assert.ok(decoded.left > 1e3 && decoded.right > 1e3, JSON.stringify(decoded));
      for (const target of [3.5, 1.2, 4.6]) {
        const seeked = await page.evaluate((t) =>
          new Promise<number>((resolve) => {
            const a = document.getElementById("player") as HTMLAudioElement;
            a.addEventListener("seeked", () => resolve(a.currentTime), { once: true });
            a.currentTime = t;
          }), target);
        assert.ok(Math.abs(seeked - target) < 0.1, `seeked to ${seeked}, wanted ${target}`);
      }
      // Play on from the last seek: the decrypted stream keeps going.
      await page.evaluate(() =>
        new Promise<void>((resolve, reject) => {
          const a = document.getElementById("player") as HTMLAudioElement;
          a.muted = true;
          a.currentTime = 2;
          a.addEventListener("timeupdate", function tick() {
            if (a.currentTime < 2.4) return;
            a.removeEventListener("timeupdate", tick);
            a.pause();
            resolve();
          });
          a.play().catch(reject);
        })
      );
      const plays = query<{ details: string }>(
        join(dataDir, "selrec.db"),
        "SELECT details FROM audit_events WHERE action = 'recording.play'",
      );
      assert.ok(plays.length >= 1, "the play was audited");
    } catch (err) {
      await Deno.mkdir("tests/_artifacts", { recursive: true });
      await page.screenshot({ path: `tests/_artifacts/sealed-${Date.now()}.png`, fullPage: true })
        .catch(() => {});
      throw err;
    } finally {
      await context.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
