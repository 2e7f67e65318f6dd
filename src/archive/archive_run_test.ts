import assert from "node:assert/strict";
import { join } from "node:path";
import { storageBox } from "./_test_util.ts";
import { runArchive } from "./archive_run.ts";
import { CopyWorker } from "./copy_worker.ts";
import { specOf, syncTargets } from "./locations.ts";
import { SENTINEL } from "./mount_guard.ts";
import { openAlarms } from "../store/queries/alarms.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

async function initTarget(box: Awaited<ReturnType<typeof storageBox>>, name = "nas") {
  const row = (await syncTargets(box.store.db, box.config)).find((t) => t.name === name)!;
  await using w = CopyWorker.spawn({ timeoutMs: 20_000 });
  const r = await w.call({ op: "init", spec: specOf(row) });
  assert.equal(r.ev, "ok");
  const volumeId = r.ev === "ok" ? r.volumeId! : "";
  await box.store.db.updateTable("storage_locations").set({ volume_id: volumeId })
    .where("id", "=", row.id).execute();
  return { row, volumeId };
}

Deno.test({
  name: "runArchive() copies, verifies, relocates, audits and frees the spool",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
    await using box = await storageBox({
      targets: [{ name: "nas", path: target, mount: { type: "local" } }],
    });
    const { row } = await initTarget(box);
    const recs = [await box.addRecording(), await box.addRecording({ bytes: 200_000 })];
    const r = await runArchive(box.host);
    assert.equal(r.archived, 2);
    assert.equal(r.failed, 0);
    for (const rec of recs) {
      await assert.rejects(Deno.stat(rec.file), Deno.errors.NotFound);
      const copy = await Deno.readFile(join(target, rec.rel));
      const hex = Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", copy)),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      assert.equal(hex, rec.sha256);
      const db = await box.store.db.selectFrom("recordings").selectAll().where("id", "=", rec.id)
        .executeTakeFirstOrThrow();
      assert.equal(db.storage_location_id, row.id);
      assert.equal(db.path, rec.rel);
      assert.ok(db.archived_at);
    }
    const audits = await box.store.db.selectFrom("audit_events").select(["action", "recording_id"])
      .where("action", "=", "recording.archive").execute();
    assert.deepEqual(audits.map((a) => a.recording_id).sort(), recs.map((x) => x.id).sort());
    assert.equal((await box.store.db.selectFrom("archive_jobs").selectAll().execute()).length, 0);
    const again = await runArchive(box.host);
    assert.equal(again.candidates, 0);
    await Deno.remove(target, { recursive: true });
  },
});

Deno.test({
  name: "runArchive() skips a target without its sentinel, marks it unhealthy and alarms",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
    await using box = await storageBox({
      targets: [{ name: "nas", path: target, mount: { type: "local" } }],
    });
    await initTarget(box);
    await Deno.remove(join(target, SENTINEL));
    const rec = await box.addRecording();
    const r = await runArchive(box.host);
    assert.equal(r.archived, 0);
    assert.equal(r.targets[0].healthy, false);
    assert.match(r.targets[0].error ?? "", /selrec-volume/);
    assert.ok((await Deno.stat(rec.file)).isFile);
    assert.deepEqual([...Deno.readDirSync(target)], []);
    const alarms = await openAlarms(box.store.db, "archive.target:");
    assert.equal(alarms.length, 1);
    assert.match(alarms[0].message, /archive target nas is unavailable/);
    await Deno.remove(target, { recursive: true });
  },
});

Deno.test({
  name: "runArchive() refuses a mount-typed target whose directory is not a mountpoint",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
    await using box = await storageBox({
      targets: [{ name: "nas", path: target, mount: { type: "nfs", source: "nas:/export" } }],
    });
    const row = (await syncTargets(box.store.db, box.config))[0];
    await using w = CopyWorker.spawn({ timeoutMs: 20_000 });
    const init = await w.call({ op: "init", spec: specOf(row) });
    assert.equal(init.ev, "error");
    await box.store.db.updateTable("storage_locations").set({ volume_id: "x" }).execute();
    const rec = await box.addRecording();
    const r = await runArchive(box.host);
    assert.equal(r.archived, 0);
    assert.match(r.targets[0].error ?? "", /not mounted|not a mountpoint/);
    assert.ok((await Deno.stat(rec.file)).isFile);
    assert.deepEqual([...Deno.readDirSync(target)], []);
    await Deno.remove(target, { recursive: true });
  },
});

Deno.test({
  name: "runArchive() leaves a recording whose local file no longer matches its SHA-256",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
    await using box = await storageBox({
      targets: [{ name: "nas", path: target, mount: { type: "local" } }],
    });
    await initTarget(box);
    const rec = await box.addRecording();
    await Deno.writeTextFile(rec.file, "corrupted");
    const r = await runArchive(box.host);
    assert.equal(r.archived, 0);
    assert.equal(r.failed, 1);
    assert.equal(r.targets[0].healthy, true);
    assert.ok((await Deno.stat(rec.file)).isFile);
    const job = await box.store.db.selectFrom("archive_jobs").selectAll().executeTakeFirstOrThrow();
    assert.equal(job.step, "failed");
    assert.match(job.last_error ?? "", /source-hash/);
    // Found by the archive copy, reported like any read: flag, audit row, alarm.
    const row = await box.store.db.selectFrom("recordings").select("integrity_failed_at")
      .where("id", "=", rec.id).executeTakeFirstOrThrow();
    assert.ok(row.integrity_failed_at);
    const audit = await box.store.db.selectFrom("audit_events").select(["actor_name", "details"])
      .where("action", "=", "recording.integrity_failed").execute();
    assert.equal(audit.length, 1);
    assert.equal(JSON.parse(audit[0].details).via, "archive");
    const alarm = await box.store.db.selectFrom("alarms").select("kind")
      .where("cleared_at", "is", null).where("kind", "=", "integrity").execute();
    assert.equal(alarm.length, 1);
    await Deno.remove(target, { recursive: true });
  },
});
