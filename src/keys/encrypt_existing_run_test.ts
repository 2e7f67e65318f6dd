import assert from "node:assert/strict";
import { join } from "node:path";
import { spoolDir } from "../archive/status.ts";
import { sealJobs } from "../store/queries/key_jobs.ts";
import { keysBox } from "./_test_util.ts";
import { runEncryptExisting, sealedNameOf } from "./encrypt_existing_run.ts";
import { hashFile, sealedPlaintextSha256 } from "./key_files.ts";

const sanitize = { sanitizeOps: true, sanitizeResources: true };

Deno.test("sealedNameOf() puts .sealed before the extension", () => {
  assert.equal(sealedNameOf("2026/01/02/r1.ogg"), "2026/01/02/r1.sealed.ogg");
  assert.equal(sealedNameOf("a.b/r1"), "a.b/r1.sealed");
});

Deno.test({
  name: "encrypt-existing seals plain recordings, switches rows, removes the plain files",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    const plain = [await box.addRecording({ bytes: 10_000 }), await box.addRecording()];
    const bad = await box.addRecording({ bytes: 5000 });
    const bytes = await Deno.readFile(bad.file);
    bytes[9] ^= 0x10;
    await Deno.writeFile(bad.file, bytes);
    const keyring = await box.keyring();
    const ticks: number[] = [];
    const r = await runEncryptExisting(box.store.db, keyring, {
      chunkBytes: 4096,
      onProgress: (p) => ticks.push(p.done),
    });
    assert.deepEqual([r.total, r.sealed, r.failed, r.skipped, r.missing], [3, 2, 1, 0, 0]);
    assert.deepEqual(ticks, [1, 2, 3]);
    assert.match(r.items[0].detail, /expected/);
    for (const p of plain) {
      const row = box.store.raw.prepare(
        "SELECT path, sealed, key_id, sha256, size_bytes FROM recordings WHERE id = ?",
      ).get(p.id) as Record<string, unknown>;
      assert.equal(row.path, sealedNameOf(p.rel));
      assert.equal(row.sealed, 1);
      assert.equal(row.key_id, keyring.currentKeyId);
      const file = join(spoolDir(box.config), row.path as string);
      assert.deepEqual({ ...(await hashFile(file)) }, { sha256: row.sha256, size: row.size_bytes });
      assert.equal(await sealedPlaintextSha256(file, keyring.unwrapFor(file)), p.sha256);
      await assert.rejects(() => Deno.stat(p.file), Deno.errors.NotFound);
    }
    // The tampered one is left as it was: plain, its file in place, nothing beside it.
    assert.ok((await Deno.stat(bad.file)).isFile);
    await assert.rejects(() => Deno.stat(bad.file.replace(/\.ogg$/, ".sealed.ogg")));
    assert.deepEqual(await sealJobs(box.store.db), []);
    const again = await runEncryptExisting(box.store.db, keyring, { chunkBytes: 4096 });
    assert.deepEqual([again.total, again.sealed, again.failed], [1, 0, 1]);
  },
});

Deno.test({
  name: "a recording whose sealed copy cannot be written fails alone; the run goes on",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    const stuck = await box.addRecording({ bytes: 6000 });
    const fine = await box.addRecording({ bytes: 6000 });
    // A directory where the sealed copy's temp file goes: its write fails (even as root).
    await Deno.mkdir(`${stuck.file.replace(/\.ogg$/, ".sealed.ogg")}.tmp`);
    const keyring = await box.keyring();
    const r = await runEncryptExisting(box.store.db, keyring, { chunkBytes: 4096 });
    assert.deepEqual([r.sealed, r.failed], [1, 1]);
    assert.equal(r.items[0].id, stuck.id);
    assert.ok((await Deno.stat(stuck.file)).isFile);
    await assert.rejects(() => Deno.stat(fine.file), Deno.errors.NotFound);
    assert.deepEqual(await sealJobs(box.store.db), []);
    const again = await runEncryptExisting(box.store.db, keyring, { chunkBytes: 4096 });
    assert.deepEqual([again.sealed, again.failed], [1, 0]);
  },
});
