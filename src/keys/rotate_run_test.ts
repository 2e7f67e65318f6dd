import assert from "node:assert/strict";
import fc from "fast-check";
import { Keyring } from "../seal/keyring.ts";
import { readSealedChunks } from "../seal/sealed_reader.ts";
import { concat } from "../seal/sealed_format.ts";
import { rewrapJobs } from "../store/queries/key_jobs.ts";
import { commandKekSource, fileKekSource, listKekIds } from "./key_store.ts";
import { writeSealedFile } from "../seal/sealed_writer.ts";
import { KeyAdminError, keysStatus, retireKey, rotationDone, rotationTarget } from "./key_admin.ts";
import { runRotate } from "./rotate_run.ts";
import { keysBox } from "./_test_util.ts";
import { hashFile, readHead, slotOf, StepPause } from "./key_files.ts";

const sanitize = { sanitizeOps: true, sanitizeResources: true };

async function play(file: string, ring: Keyring): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of readSealedChunks(file, ring.unwrapFor(file))) parts.push(p);
  return concat(parts);
}

async function rotate(box: Awaited<ReturnType<typeof keysBox>>) {
  const t = await rotationTarget(box.store.db, box.config);
  const r = await runRotate(box.store.db, t.keyring, { keyId: t.keyId });
  if (r.complete) await rotationDone(box.store.db);
  return { ...r, target: t.keyId };
}

Deno.test({
  name: "rotate then play: random recordings re-wrapped, old KEKs retired, audio unchanged",
  ...sanitize,
  async fn() {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            bytes: fc.uint8Array({ minLength: 0, maxLength: 20_000 }),
            chunk: fc.constantFrom(4096, 5000, 8192),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 1, max: 2 }),
        async (recs, rotations) => {
          await using box = await keysBox();
          const made = [];
          for (const r of recs) made.push({ ...(await box.addSealed(r.bytes, r.chunk)), ...r });
          const first = (await listKekIds(box.keyDir))[0];
          let target = first;
          for (let i = 0; i < rotations; i++) {
            const r = await rotate(box);
            assert.equal(r.rewrapped, recs.length);
            assert.equal(r.failed + r.skipped + r.missing, 0);
            assert.ok(r.complete);
            target = r.target;
          }
          for (const id of await listKekIds(box.keyDir)) {
            if (id !== target) await retireKey(box.store.db, box.config, id);
          }
          assert.deepEqual(await listKekIds(box.keyDir), [target]);
          const only = new Keyring(fileKekSource(box.keyDir, target));
          for (const m of made) {
            assert.deepEqual(await play(m.file, only), m.bytes);
            const row = box.store.raw.prepare("SELECT key_id, sha256 FROM recordings WHERE id = ?")
              .get(m.id) as { key_id: string; sha256: string };
            assert.equal(row.key_id, target);
            assert.equal(row.sha256, (await hashFile(m.file)).sha256);
          }
          const status = await keysStatus(box.store.db, box.config);
          assert.deepEqual(status.keys.map((k) => [k.keyId, k.recordings, k.current]), [
            [target, recs.length, true],
          ]);
        },
      ),
      { numRuns: 12 },
    );
  },
});

Deno.test({
  name: "keys retire is refused while a recording uses the key, and for the current key",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    await box.addSealed(new Uint8Array(5000).fill(7));
    const [old] = await listKekIds(box.keyDir);
    await assert.rejects(() => retireKey(box.store.db, box.config, old), (err) => {
      assert.ok(err instanceof KeyAdminError);
      assert.match(err.message, /still used by 1 recording/);
      return true;
    });
    const t = await rotationTarget(box.store.db, box.config);
    await assert.rejects(
      () => retireKey(box.store.db, box.config, t.keyId),
      /current key|unfinished rotation/,
    );
    const r = await runRotate(box.store.db, t.keyring, { keyId: t.keyId });
    assert.ok(r.complete);
    await rotationDone(box.store.db);
    await assert.rejects(() => retireKey(box.store.db, box.config, t.keyId), /still used by 1/);
    await box.store.db.updateTable("recordings").set({ key_id: old }).execute();
    await assert.rejects(() => retireKey(box.store.db, box.config, t.keyId), /current key/);
    await box.store.db.updateTable("recordings").set({ key_id: t.keyId }).execute();
    assert.deepEqual(await retireKey(box.store.db, box.config, old), {
      removed: `${box.keyDir}/${old}.key`,
    });
    assert.deepEqual(await listKekIds(box.keyDir), [t.keyId]);
  },
});

Deno.test({
  name: "a slot torn by a crash mid-write is completed from the journal on the next run",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    const data = crypto.getRandomValues(new Uint8Array(9000));
    const { file } = await box.addSealed(data);
    const t = await rotationTarget(box.store.db, box.config);
    const job = { ...(await rewrapJobs(box.store.db)) };
    assert.deepEqual(job, {});
    // Journal the step, then tear the slot by hand: the state a power cut mid-write leaves.
    const hookFile = await Deno.makeTempFile();
    await Deno.remove(hookFile);
    const hook = StepPause.parse(`journaled:1:${hookFile}`)!;
    const run = runRotate(box.store.db, t.keyring, { keyId: t.keyId, hook });
    while (!(await Deno.stat(hookFile).then(() => true, () => false))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const [pending] = await rewrapJobs(box.store.db);
    assert.equal(pending.new_key_id, t.keyId);
    assert.deepEqual(slotOf(await readHead(file)), new Uint8Array(pending.old_slot));
    using f = await Deno.open(file, { write: true });
    await f.seek(24 + 40, Deno.SeekMode.Start);
    await f.write(new Uint8Array(30).fill(0xaa));
    f.close();
    // The first run's write lands after our tear; tear it again after, as a crash would leave.
    await Deno.remove(hookFile);
    await run;
    using g = await Deno.open(file, { write: true });
    await g.seek(24 + 40, Deno.SeekMode.Start);
    await g.write(new Uint8Array(30).fill(0xaa));
    g.close();
    box.store.raw.prepare(
      `INSERT INTO key_rewrap_jobs SELECT id, storage_location_id, path, ?, ?, ?, ?, '2026'
       FROM recordings`,
    ).run(pending.old_key_id, pending.old_slot, pending.new_key_id, pending.new_slot);
    const again = await runRotate(box.store.db, t.keyring, { keyId: t.keyId });
    assert.equal(again.resumed, 1);
    assert.ok(again.complete);
    assert.deepEqual(await rewrapJobs(box.store.db), []);
    assert.deepEqual(await play(file, new Keyring(fileKekSource(box.keyDir, t.keyId))), data);
  },
});

Deno.test({
  name: "a sealed file that fails authentication is not re-wrapped and keeps its old key",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    const { id, file } = await box.addSealed(new Uint8Array(9000).fill(3));
    const bytes = await Deno.readFile(file);
    bytes[200] ^= 1;
    await Deno.writeFile(file, bytes);
    const [old] = await listKekIds(box.keyDir);
    const r = await rotate(box);
    assert.equal(r.failed, 1);
    assert.equal(r.items[0].id, id);
    assert.match(r.items[0].detail, /failed authentication/);
    assert.equal(r.complete, false);
    assert.equal(slotOf(await readHead(file))[0] > 0, true);
    const status = await keysStatus(box.store.db, box.config);
    assert.equal(status.keys.find((k) => k.keyId === old)!.recordings, 1);
    await assert.rejects(() => retireKey(box.store.db, box.config, old), /still used/);
  },
});

Deno.test({
  name: "with a key command, rotate re-wraps to the hook's new key id given in the config",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    // The hook prints a fixed key per id (its last argument), as a KMS would.
    const hook = `${box.dir}/kms.sh`;
    await Deno.writeTextFile(
      hook,
      '#!/bin/sh\ncase "$1" in kms-1) echo ' + "11".repeat(32) + " ;; kms-2) echo " +
        "22".repeat(32) + " ;; *) echo unknown >&2; exit 3 ;; esac\n",
    );
    await Deno.chmod(hook, 0o700);
    const enc = (keyId: string) => ({ ...box.config.encryption, keyCommand: [hook], keyId });
    const ring1 = new Keyring(commandKekSource([hook], "kms-1"));
    const key = await ring1.newDataKey();
    const data = new Uint8Array(7000).fill(9);
    const { id, file } = await box.addSealed(data);
    await writeSealedFile(file, key, data, 4096);
    box.store.raw.prepare("UPDATE recordings SET key_id = 'kms-1', sha256 = ? WHERE id = ?")
      .run((await hashFile(file)).sha256, id);
    const config = { ...box.config, encryption: enc("kms-2") };
    const t = await rotationTarget(box.store.db, config);
    assert.equal(t.keyId, "kms-2");
    const r = await runRotate(box.store.db, t.keyring, { keyId: t.keyId });
    assert.ok(r.complete);
    await rotationDone(box.store.db);
    assert.equal(r.rewrapped, 1);
    assert.deepEqual(await play(file, new Keyring(commandKekSource([hook], "kms-2"))), data);
    const status = await keysStatus(box.store.db, config);
    assert.deepEqual(status.keys.map((k) => [k.keyId, k.recordings, k.current, k.file]), [
      ["kms-2", 1, true, false],
    ]);
    // encryption.keyId edited after that rotation: the config is obeyed again, and a
    // target the hook cannot give refuses the run before anything is recorded.
    await assert.rejects(
      () => rotationTarget(box.store.db, { ...config, encryption: enc("kms-3") }),
      /exited 3/,
    );
    // --key-id with the config unchanged: kept as current, then a plain run stays there.
    const back = await rotationTarget(box.store.db, config, "kms-1");
    assert.equal((await runRotate(box.store.db, back.keyring, { keyId: back.keyId })).rewrapped, 1);
    await rotationDone(box.store.db);
    assert.equal((await rotationTarget(box.store.db, config)).keyId, "kms-1");
    assert.equal(
      (await keysStatus(box.store.db, config)).keys.find((k) => k.current)?.keyId,
      "kms-1",
    );
  },
});

Deno.test({
  name: "an archive copy that starts after the slot write keeps the rewrap journal until a rerun",
  ...sanitize,
  async fn() {
    await using box = await keysBox();
    const data = crypto.getRandomValues(new Uint8Array(9000));
    const { id, file } = await box.addSealed(data, 4096);
    const t = await rotationTarget(box.store.db, box.config);
    // The archive loop opens a copy job between the slot write and the row switch.
    const archiveStarts = {
      at(step: string) {
        if (step !== "written") return Promise.resolve();
        const loc = box.store.raw.prepare(
          "SELECT storage_location_id AS l FROM recordings WHERE id = ?",
        )
          .get(id) as { l: number };
        box.store.raw.prepare(
          "INSERT INTO archive_jobs (recording_id, target_id, step, attempts, updated_at) VALUES (?, ?, 'copying', 0, ?)",
        ).run(id, loc.l, new Date().toISOString());
        return Promise.resolve();
      },
    } as unknown as StepPause;
    const first = await runRotate(box.store.db, t.keyring, { keyId: t.keyId, hook: archiveStarts });
    assert.equal(first.skipped, 1);
    assert.equal(first.complete, false);
    // The file has the new slot, the row the old digest: the journal row must stay, since
    // it is what explains the file to readers until the switch is done.
    assert.equal((await rewrapJobs(box.store.db)).length, 1);
    assert.notEqual((await hashFile(file)).sha256, rowOf(box, id).sha256);

    box.store.raw.prepare("UPDATE archive_jobs SET step = 'failed' WHERE recording_id = ?").run(id);
    const second = await runRotate(box.store.db, t.keyring, { keyId: t.keyId });
    assert.ok(second.complete, JSON.stringify(second));
    assert.deepEqual(await rewrapJobs(box.store.db), []);
    assert.equal(rowOf(box, id).key_id, t.keyId);
    assert.equal(rowOf(box, id).sha256, (await hashFile(file)).sha256);
    assert.deepEqual(await play(file, new Keyring(fileKekSource(box.keyDir, t.keyId))), data);
  },
});

function rowOf(box: Awaited<ReturnType<typeof keysBox>>, id: string) {
  return box.store.raw.prepare("SELECT key_id, sha256 FROM recordings WHERE id = ?").get(id) as {
    key_id: string;
    sha256: string;
  };
}
