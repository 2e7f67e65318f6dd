/**
 * Playback during a key rotation: between the rewrite of a sealed file's key slot and the
 * switch of its row (src/keys/rotate_run.ts), /audio serves the verified plaintext and
 * flags nothing, because the journaled step (`key_rewrap_jobs`) explains the new digest;
 * a file with a changed byte in that same window is still a 409 and is flagged.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness } from "./harness.ts";
import { Keyring, KeyUnavailableError } from "../../src/seal/keyring.ts";
import { writeSealedFile } from "../../src/seal/sealed_writer.ts";
import { encodeKeySlot, parseHeader } from "../../src/seal/sealed_format.ts";
import { readHead, slotOf, writeSlot } from "../../src/keys/key_files.ts";
import { insertRewrapJob } from "../../src/store/queries/key_jobs.ts";

const T = { sanitizeOps: true, sanitizeResources: true };

const keks = new Map(
  ["kek-a", "kek-b"].map((id) => [id, crypto.getRandomValues(new Uint8Array(32))]),
);
const keyring = new Keyring({
  currentKeyId: "kek-a",
  load: (id) =>
    keks.has(id)
      ? Promise.resolve(keks.get(id)!)
      : Promise.reject(new KeyUnavailableError(id, "no such key")),
});

/** Seals recording `id`'s file under kek-a and journals and writes its rotation to kek-b. */
async function sealedMidRotation(
  h: Harness,
  id: string,
): Promise<{ file: string; plain: Uint8Array }> {
  const { bytes: plain } = await h.recording(id, { seconds: 2 });
  const db = h.services.store.db;
  const rel = `2026/03/01/${id}.opus`;
  const file = join(h.spool, rel);
  await writeSealedFile(file, await keyring.newDataKey(), plain, 4096);
  const sha256 = createHash("sha256").update(await Deno.readFile(file)).digest("hex");
  await db.updateTable("recordings").set({ sealed: 1, key_id: "kek-a", sha256 })
    .where("id", "=", id).execute();
  const head = await readHead(file);
  const { wrappedKey } = await keyring.rewrap(parseHeader(head, file), file, "kek-b");
  const newSlot = encodeKeySlot({ keyId: "kek-b", wrappedKey });
  await insertRewrapJob(db, {
    recording_id: id,
    location_id: 1,
    path: rel,
    old_key_id: "kek-a",
    old_slot: slotOf(head),
    new_key_id: "kek-b",
    new_slot: newSlot,
    created_at: new Date().toISOString(),
  });
  await new Promise((r) => setTimeout(r, 25)); // the slot write gets a new mtime
  await writeSlot(file, newSlot);
  return { file, plain };
}

async function flagOf(h: Harness, id: string): Promise<string | null> {
  const row = await h.services.store.db.selectFrom("recordings").select("integrity_failed_at")
    .where("id", "=", id).executeTakeFirstOrThrow();
  return row.integrity_failed_at;
}

Deno.test({
  ...T,
  name: "mid-rotation a sealed recording plays (full and by range) and is not flagged",
  async fn() {
    await using h = await Harness.create();
    h.services.keyring = keyring;
    const { plain } = await sealedMidRotation(h, "rot");
    const admin = await h.signIn("admin");
    const res = await h.req("/recordings/rot/audio", { client: admin });
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), plain);
    const ranged = await h.req("/recordings/rot/audio", {
      client: admin,
      headers: { Range: "bytes=5000-5099" },
    });
    assert.equal(ranged.status, 206);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), plain.subarray(5000, 5100));
    assert.equal(await flagOf(h, "rot"), null);
  },
});

Deno.test({
  ...T,
  name: "mid-rotation a sealed recording with a changed byte is a 409 and is flagged",
  async fn() {
    await using h = await Harness.create();
    h.services.keyring = keyring;
    const { file } = await sealedMidRotation(h, "bad");
    const raw = await Deno.readFile(file);
    raw[raw.length - 40] ^= 0x04;
    await Deno.writeFile(file, raw);
    const admin = await h.signIn("admin");
    const res = await h.req("/recordings/bad/audio", { client: admin });
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { error: "recording failed its integrity check" });
    assert.ok(await flagOf(h, "bad"), "flagged");
  },
});
