/**
 * Purge scopes against real archive copies: recordings archived to a local target, then
 * expired. `box` (default) takes them off the box and its UI and leaves the archive copy;
 * `everywhere` deletes the archive copy too. Legal hold and the clock guard block both.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sql, type SqlBool } from "kysely";
import { storageBox } from "./_test_util.ts";
import { runArchive } from "./archive_run.ts";
import { CopyWorker } from "./copy_worker.ts";
import { SETTING, specOf, syncTargets } from "./locations.ts";
import { runPurge } from "./purge_run.ts";
import { setSetting } from "../store/queries/storage.ts";
import { searchRecordings } from "../store/queries/recordings.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const NOW = Date.parse("2026-03-01T00:00:00Z");
const OLD = "2025-01-01T00:00:00.000Z";
const DAY = 86_400_000;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** A box whose recordings (one expired, one expired on hold, one young) sit in the archive. */
async function archivedBox(scope: "box" | "everywhere", target: string) {
  const box = await storageBox({
    purgeAfter: "30d",
    purge: { scope },
    targets: [{ name: "nas", path: target, mount: { type: "local" } }],
  });
  const row = (await syncTargets(box.store.db, box.config)).find((t) => t.name === "nas")!;
  await using w = CopyWorker.spawn({ timeoutMs: 20_000 });
  const init = await w.call({ op: "init", spec: specOf(row) });
  assert.equal(init.ev, "ok");
  await box.store.db.updateTable("storage_locations")
    .set({ volume_id: init.ev === "ok" ? init.volumeId! : "" }).where("id", "=", row.id).execute();
  const old = await box.addRecording({ createdAt: OLD });
  const held = await box.addRecording({ createdAt: OLD, legalHold: true });
  const young = await box.addRecording({ createdAt: new Date(NOW - DAY).toISOString() });
  assert.equal((await runArchive(box.host)).archived, 3);
  for (const r of [old, held, young]) assert.ok(await exists(join(target, r.rel)), r.id);
  return { box, old, held, young };
}

async function stateOf(db: Awaited<ReturnType<typeof storageBox>>["store"]["db"], id: string) {
  return (await db.selectFrom("recordings").select("state").where("id", "=", id)
    .executeTakeFirstOrThrow()).state;
}

const ALL = () => sql<SqlBool>`1 = 1`;

for (const scope of ["box", "everywhere"] as const) {
  Deno.test({
    name: `runPurge() in scope ${scope} takes an expired archived recording off the box, ` +
      `${scope === "box" ? "keeping" : "deleting"} its archive copy; legal hold blocks it`,
    ...opts,
    async fn() {
      const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
      const { box, old, held, young } = await archivedBox(scope, target);
      await using _box = box;
      const r = await runPurge(box.host, { now: () => NOW });
      assert.deepEqual(r.items, [{
        id: old.id,
        action: scope === "box" ? "box" : "archive",
        outcome: "purged",
      }]);
      const db = box.store.db;
      assert.equal(await stateOf(db, old.id), "purged");
      assert.equal(await stateOf(db, held.id), "complete");
      assert.equal(await stateOf(db, young.id), "complete");
      assert.equal(await exists(join(target, old.rel)), scope === "box");
      assert.ok(await exists(join(target, held.rel)));
      const listed = await searchRecordings(db, {}, ALL, { limit: 10 });
      assert.deepEqual(listed.rows.map((x) => x.id).sort(), [held.id, young.id].sort());
      const audit = await db.selectFrom("audit_events").select(["recording_id", "details"])
        .where("action", "=", "recording.purge").execute();
      assert.deepEqual(audit.map((a) => a.recording_id), [old.id]);
      // A second pass (and its sweep of last week's tombstones) changes nothing more.
      assert.equal((await runPurge(box.host, { now: () => NOW + 60_000 })).purged, 0);
      assert.equal(await exists(join(target, old.rel)), scope === "box");
      await Deno.remove(target, { recursive: true });
    },
  });

  Deno.test({
    name: `runPurge() in scope ${scope} purges nothing after a forward clock jump`,
    ...opts,
    async fn() {
      const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
      const { box, old } = await archivedBox(scope, target);
      await using _box = box;
      await setSetting(box.store.db, SETTING.clockLastSeen, new Date(NOW - 3 * DAY).toISOString());
      const r = await runPurge(box.host, { now: () => NOW });
      assert.match(r.suspended ?? "", /jumped 72 h forward/);
      assert.equal(await stateOf(box.store.db, old.id), "complete");
      assert.ok(await exists(join(target, old.rel)));
      const accepted = await runPurge(box.host, { now: () => NOW, acceptClock: true });
      assert.equal(accepted.purged, 1);
      assert.equal(await exists(join(target, old.rel)), scope === "box");
      await Deno.remove(target, { recursive: true });
    },
  });
}
