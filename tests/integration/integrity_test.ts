/**
 * Integrity on every read against the real server: recordings whose file was edited on
 * disk (one byte) — plain and sealed — answer 409 "recording failed its integrity check"
 * on play (with and without Range), the WAV transcode and export, raise the integrity
 * alarm (system page), write one audit row each and are flagged (recording page, search
 * row); untouched ones play, sealed ones as their plaintext. `selrec scrub` then finds
 * every changed file, including one nobody played, exits 1 and names them in --json.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, type TestServer } from "../helpers/server.ts";
import { flipByte, integrityBoxDir } from "../helpers/integrity_box.ts";
import { makeOpus } from "../web/harness.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { HEADER_BYTES } from "../../src/seal/sealed_format.ts";
import { sealForBox, seedRecording } from "../helpers/seed_recording.ts";

const PASSWORD = "integrity test password";
const MESSAGE = "recording failed its integrity check";

interface Seeded {
  ogg: Uint8Array;
  file: string;
}

async function seed(server: TestServer, dir: string): Promise<Record<string, Seeded>> {
  const ogg = await makeOpus(dir, 3);
  await using store = openStore(join(server.dataDir, "selrec.db"));
  const root = await addOrgUnit(store.db, "Org", null);
  await store.db.updateTable("users").set({ org_unit_id: root.id }).where("username", "=", "admin")
    .execute();
  const { keyId, sealed } = await sealForBox(server.dataDir, ogg);
  const out: Record<string, Seeded> = {};
  for (const id of ["plain-ok", "plain-bad", "plain-unplayed"]) {
    out[id] = { ogg, file: await seedRecording(store, { id, stored: ogg }) };
  }
  for (const id of ["sealed-ok", "sealed-bad"]) {
    out[id] = { ogg, file: await seedRecording(store, { id, stored: sealed, keyId }) };
  }
  await flipByte(out["plain-bad"].file, 20_000);
  await flipByte(out["plain-unplayed"].file, 100);
  await flipByte(out["sealed-bad"].file, HEADER_BYTES + 2 * (4096 + 20) + 50);
  return out;
}

async function signIn(server: TestServer): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "admin", password: PASSWORD, next: "/" }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303, "admin signs in");
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  const page = await (await fetch(`${server.httpUrl}/recordings/plain-ok`, {
    headers: { Cookie: cookie },
  })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(csrf, "the recording page carries a CSRF token");
  return { cookie, csrf };
}

Deno.test({
  name: "a recording edited on disk is refused on play and export (409, alarm, audit, flag); " +
    "selrec scrub finds it",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const { dir, configFile, dataDir } = await integrityBoxDir("selrec-integrity-");
    let server = await startServer({
      dataDir,
      configFile,
      env: { SELREC_ADMIN_PASSWORD: PASSWORD, SELREC_LOG_LEVEL: "warn" },
    });
    try {
      const recs = await seed(server, dir);
      const s = await signIn(server);
      const get = (path: string, headers: Record<string, string> = {}) =>
        fetch(`${server.httpUrl}${path}`, { headers: { Cookie: s.cookie, ...headers } });
      const body = async (r: Response) => new Uint8Array(await r.arrayBuffer());

      // Untouched recordings play, whole and by range; a sealed one as its plaintext.
      for (const id of ["plain-ok", "sealed-ok"]) {
        const whole = await get(`/recordings/${id}/audio`);
        assert.equal(whole.status, 200, id);
        assert.deepEqual(await body(whole), recs[id].ogg, id);
        const part = await get(`/recordings/${id}/audio`, { Range: "bytes=5000-9999" });
        assert.equal(part.status, 206, id);
        assert.deepEqual(await body(part), recs[id].ogg.subarray(5000, 10_000), id);
      }

      // Edited ones: 409 with the message on every read, JSON for the API, HTML for the UI.
      for (const id of ["plain-bad", "sealed-bad"]) {
        for (const range of [undefined, "bytes=0-99", "bytes=-100"]) {
          const r = await get(`/recordings/${id}/audio`, range ? { Range: range } : {});
          assert.equal(r.status, 409, `${id} ${range}`);
          assert.deepEqual(await r.json(), { error: MESSAGE });
        }
        const html = await get(`/recordings/${id}/audio`, { Accept: "text/html" });
        assert.equal(html.status, 409);
        assert.match(await html.text(), new RegExp(`<p class="error"[^>]*>${MESSAGE}</p>`));
        const wav = await get(`/recordings/${id}/audio.wav`);
        assert.equal(wav.status, 409);
        await wav.body?.cancel();
        const exp = await fetch(`${server.httpUrl}/recordings/${id}/export`, {
          method: "POST",
          headers: { Cookie: s.cookie, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            _csrf: s.csrf,
            reason_code: "legal-request",
            reason_text: "case 13",
            format: "ogg",
          }),
        });
        assert.equal(exp.status, 409, `${id} export`);
        assert.deepEqual(await exp.json(), { error: MESSAGE });
      }

      // Flagged on the recording page and the search row; the alarm is on the system page.
      const page = await (await get("/recordings/plain-bad")).text();
      assert.match(page, /id="integrity-failed"/);
      const search = await (await get("/recordings?customer=CUST-INT")).text();
      assert.equal(search.match(/integrity check failed/g)?.length, 2, "two flagged rows");
      const system = await (await get("/admin/system")).text();
      assert.match(system, /failed the integrity check/);

      await using store = openStore(join(dataDir, "selrec.db"), { readOnly: true });
      const flagged = await store.db.selectFrom("recordings").select("id")
        .where("integrity_failed_at", "is not", null).orderBy("id").execute();
      assert.deepEqual(flagged.map((r) => r.id), ["plain-bad", "sealed-bad"]);
      const audit = await store.db.selectFrom("audit_events")
        .select(["recording_id", "actor_name", "details"])
        .where("action", "=", "recording.integrity_failed").orderBy("seq").execute();
      assert.deepEqual(audit.map((a) => [a.recording_id, a.actor_name]), [
        ["plain-bad", "admin"],
        ["sealed-bad", "admin"],
      ], "one audit row per finding, not per request");
      const exports = await store.db.selectFrom("audit_events").select("seq")
        .where("action", "=", "recording.export").execute();
      assert.equal(exports.length, 0, "nothing was exported");

      // selrec scrub: every changed file, the unplayed one too; exit 1.
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(import.meta.dirname!, "../../main.ts"), "scrub", "--json"],
        env: { SELREC_CONFIG: configFile, SELREC_DATA_DIR: dataDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, err);
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(r.checked, 5);
      assert.equal(r.ok, 2);
      assert.deepEqual(
        r.items.map((i: { id: string; outcome: string }) => `${i.id} ${i.outcome}`).sort(),
        ["plain-bad failed", "plain-unplayed failed", "sealed-bad failed"],
      );
      const scrubRow = await store.db.selectFrom("audit_events").select(["actor_type"])
        .where("action", "=", "recording.integrity_failed")
        .where("recording_id", "=", "plain-unplayed").execute();
      assert.deepEqual(scrubRow.map((a) => a.actor_type), ["cli"]);

      // The background scrub of the box (restarted with it on) makes the same pass.
      assert.equal(await server.stop(), 0);
      await Deno.writeTextFile(
        configFile,
        "auth:\n  mfa: { requiredRoles: [] }\nencryption: { enabled: true }\n" +
          "scrub: { enabled: true, bytesPerSecond: 10000000 }\n",
      );
      server = await startServer({
        dataDir,
        configFile,
        env: { SELREC_ADMIN_PASSWORD: PASSWORD, SELREC_LOG_LEVEL: "warn" },
      });
      const again = await signIn(server);
      const metric = (text: string, name: string) =>
        Number(new RegExp(`^selrec_${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
      let text = "";
      for (let i = 0; i < 100 && !(metric(text, "scrub_passes_total") >= 1); i++) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await fetch(`${server.httpUrl}/metrics`, {
          headers: { Cookie: again.cookie },
        });
        text = await res.text();
      }
      assert.equal(metric(text, "scrub_passes_total"), 1, text);
      assert.equal(metric(text, "scrub_recordings_total"), 5);
      assert.equal(metric(text, "scrub_integrity_failures_total"), 3);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
