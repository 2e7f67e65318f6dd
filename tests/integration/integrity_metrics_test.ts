/**
 * `selrec_integrity_failures_total{source="read",via}` against the real server: a
 * recording edited on disk (one byte), plain or sealed, makes the counter go up by one
 * for every play or export the box refuses with the 409; untouched recordings play
 * without moving it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../helpers/server.ts";
import { flipByte, integrityBoxDir } from "../helpers/integrity_box.ts";
import { makeOpus } from "../web/harness.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { HEADER_BYTES } from "../../src/seal/sealed_header.ts";
import { sealForBox, seedRecording } from "../helpers/seed_recording.ts";

const PASSWORD = "integrity metrics test password";

Deno.test({
  name: "a one-byte edit on disk makes selrec_integrity_failures_total go up on play and export",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const { dir, configFile, dataDir } = await integrityBoxDir("selrec-integrity-metrics-");
    const server = await startServer({
      dataDir,
      configFile,
      env: { SELREC_ADMIN_PASSWORD: PASSWORD, SELREC_LOG_LEVEL: "error" },
    });
    try {
      const ogg = await makeOpus(dir, 3);
      {
        await using store = openStore(join(dataDir, "selrec.db"));
        const root = await addOrgUnit(store.db, "Org", null);
        await store.db.updateTable("users").set({ org_unit_id: root.id })
          .where("username", "=", "admin").execute();
        const { keyId, sealed } = await sealForBox(dataDir, ogg);
        await seedRecording(store, { id: "plain-ok", stored: ogg });
        await flipByte(await seedRecording(store, { id: "plain-bad", stored: ogg }), 20_000);
        const sealedBad = await seedRecording(store, { id: "sealed-bad", stored: sealed, keyId });
        await flipByte(sealedBad, HEADER_BYTES + 4096 + 20 + 50);
      }
      const signIn = await fetch(`${server.httpUrl}/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: "admin", password: PASSWORD, next: "/" }),
        redirect: "manual",
      });
      await signIn.body?.cancel();
      assert.equal(signIn.status, 303, "admin signs in");
      const cookie = signIn.headers.get("set-cookie")!.split(";")[0];
      const get = (path: string, headers: Record<string, string> = {}) =>
        fetch(`${server.httpUrl}${path}`, { headers: { Cookie: cookie, ...headers } });
      const counter = async (via: string) => {
        const text = await (await get("/metrics")).text();
        const line = new RegExp(
          `^selrec_integrity_failures_total\\{source="read",via="${via}"\\} (\\d+)$`,
          "m",
        );
        return Number(line.exec(text)?.[1] ?? NaN);
      };
      assert.equal(await counter("play"), 0, "the counter is there from the start");
      assert.equal(await counter("export"), 0);

      const ok = await get("/recordings/plain-ok/audio");
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.equal(await counter("play"), 0, "an untouched recording does not count");

      const plain = await get("/recordings/plain-bad/audio");
      assert.equal(plain.status, 409);
      await plain.body?.cancel();
      assert.equal(await counter("play"), 1, "the edited plain file's refused play");
      const sealedPlay = await get("/recordings/sealed-bad/audio", { Range: "bytes=4096-9999" });
      assert.equal(sealedPlay.status, 409);
      await sealedPlay.body?.cancel();
      assert.equal(await counter("play"), 2, "the edited sealed file's refused range play");

      const page = await (await get("/recordings/plain-ok")).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
      assert.ok(csrf, "the recording page carries a CSRF token");
      const exp = await fetch(`${server.httpUrl}/recordings/sealed-bad/export`, {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          _csrf: csrf,
          reason_code: "legal-request",
          reason_text: "case 13",
          format: "ogg",
        }),
      });
      assert.equal(exp.status, 409);
      await exp.body?.cancel();
      assert.equal(await counter("export"), 1, "the refused export");
      assert.equal(await counter("play"), 2);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
