/**
 * A sealed recording still being written plays its whole Ogg pages so far, decrypted from
 * the chunks sealed and synced until now, each authenticated; a chunk changed on disk is
 * a 409 "recording failed its integrity check" and flags the recording, even in progress.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Harness } from "./harness.ts";
import { scanOggPages } from "../../src/codec/ogg.ts";
import { ChunkSealer } from "../../src/seal/chunk_sealer.ts";
import { concat } from "../../src/seal/sealed_format.ts";
import { wrapDataKey } from "../../src/seal/keyring.ts";

const T = { sanitizeOps: true, sanitizeResources: true };
const CHUNK = 4096;

Deno.test({
  ...T,
  name: "a sealed recording in progress serves only authenticated whole Ogg pages",
  async fn() {
    await using h = await Harness.create();
    const { bytes } = await h.recording("live", { seconds: 3 });
    const db = h.services.store.db;
    await db.updateTable("recordings")
      .set({ state: "recording", duration_ms: null, sha256: null, sealed: 1, key_id: "k1" })
      .where("id", "=", "live").execute();
    const final = join(h.spool, "2026/03/01/live.opus");
    await Deno.remove(final);
    // What the recorder has sealed so far: the chunks filled by the first 80% of the audio.
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const kek = crypto.getRandomValues(new Uint8Array(32));
    const sealer = new ChunkSealer(
      { keyId: "k1", dataKey, wrappedKey: wrapDataKey(kek, "k1", dataKey) },
      { chunkBytes: CHUNK },
    );
    const written = Math.floor(bytes.length * 0.8);
    const partial = concat([sealer.header, ...sealer.push(bytes.subarray(0, written))]);
    await Deno.writeFile(`${final}.partial`, partial);
    h.services.keyring = { unwrapFor: () => () => Promise.resolve(dataKey) };
    const admin = await h.signIn("admin");

    const sealedPt = sealer.sealedBytes;
    const whole = scanOggPages(bytes.subarray(0, sealedPt)).validEnd;
    const audio = await h.req("/recordings/live/audio", { client: admin });
    assert.equal(audio.status, 200);
    const served = new Uint8Array(await audio.arrayBuffer());
    assert.ok(whole > 0 && whole <= sealedPt);
    assert.deepEqual(served, bytes.subarray(0, whole), "plaintext up to the last whole page");
    const ranged = await h.req("/recordings/live/audio", {
      client: admin,
      headers: { Range: "bytes=100-199" },
    });
    assert.equal(ranged.status, 206);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), bytes.subarray(100, 200));

    // One byte of the last chunk changed: its authentication fails, nothing is served.
    const bad = partial.slice();
    bad[bad.length - 10] ^= 0x01;
    await Deno.writeFile(`${final}.partial`, bad);
    const refused = await h.req("/recordings/live/audio", { client: admin });
    assert.equal(refused.status, 409);
    assert.deepEqual(await refused.json(), { error: "recording failed its integrity check" });
    const row = await db.selectFrom("recordings").select("integrity_failed_at")
      .where("id", "=", "live").executeTakeFirstOrThrow();
    assert.ok(row.integrity_failed_at, "flagged");
  },
});
