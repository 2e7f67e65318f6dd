import assert from "node:assert/strict";
import { storageBox } from "./_test_util.ts";
import { CLOCK_ALARM, runPurge } from "./purge_run.ts";
import { openAlarms } from "../store/queries/alarms.ts";
import { SETTING } from "./locations.ts";
import { setSetting } from "../store/queries/storage.ts";
import { AuditWriteError } from "../audit/audit_log.ts";
import type { StorageHost } from "./host.ts";
import { claimRecording, newClaimer } from "./recording_claim.ts";
import { releaseClaim } from "../store/queries/recording_claims.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const NOW = Date.parse("2026-03-01T00:00:00Z");
const OLD = "2025-01-01T00:00:00.000Z";

async function stateOf(box: Awaited<ReturnType<typeof storageBox>>, id: string) {
  return (await box.store.db.selectFrom("recordings").select("state").where("id", "=", id)
    .executeTakeFirstOrThrow()).state;
}

Deno.test({
  name: "runPurge() tombstones expired recordings, removes their files and audits each",
  ...opts,
  async fn() {
    await using box = await storageBox({ purgeAfter: "30d" });
    const old = await box.addRecording({ createdAt: OLD });
    const held = await box.addRecording({ createdAt: OLD, legalHold: true });
    const young = await box.addRecording({ createdAt: "2026-02-20T00:00:00.000Z" });
    const compliance = await box.addRecording({ createdAt: OLD, retentionClass: "compliance" });
    const r = await runPurge(box.host, { now: () => NOW });
    assert.deepEqual(r.items.map((i) => i.id), [old.id]);
    assert.equal(await stateOf(box, old.id), "purged");
    await assert.rejects(Deno.stat(old.file), Deno.errors.NotFound);
    for (const kept of [held, young, compliance]) {
      assert.equal(await stateOf(box, kept.id), "complete");
      assert.ok((await Deno.stat(kept.file)).isFile);
    }
    const audit = await box.store.db.selectFrom("audit_events").selectAll()
      .where("action", "=", "recording.purge").execute();
    assert.deepEqual(audit.map((a) => a.recording_id), [old.id]);
  },
});

Deno.test({
  name: "runPurge() keeps unarchived recordings while an archive target is configured",
  ...opts,
  async fn() {
    await using box = await storageBox({
      purgeAfter: "30d",
      targets: [{ name: "nas", path: "/nonexistent", mount: { type: "local" } }],
    });
    const old = await box.addRecording({ createdAt: OLD });
    const r = await runPurge(box.host, { now: () => NOW });
    assert.equal(r.purged, 0);
    assert.equal(await stateOf(box, old.id), "complete");
  },
});

Deno.test({
  name: "runPurge() suspends after a forward clock jump of over a day until the clock is accepted",
  ...opts,
  async fn() {
    await using box = await storageBox({ purgeAfter: "30d" });
    const old = await box.addRecording({ createdAt: OLD });
    await setSetting(
      box.store.db,
      SETTING.clockLastSeen,
      new Date(NOW - 3 * 86_400_000).toISOString(),
    );
    const r = await runPurge(box.host, { now: () => NOW });
    assert.match(r.suspended ?? "", /jumped 72 h forward/);
    assert.equal(await stateOf(box, old.id), "complete");
    assert.equal((await openAlarms(box.store.db, CLOCK_ALARM)).length, 1);
    const later = await runPurge(box.host, { now: () => NOW + 60_000 });
    assert.ok(later.suspended, "a suspension persists across passes");
    const accepted = await runPurge(box.host, { now: () => NOW + 60_000, acceptClock: true });
    assert.equal(accepted.suspended, null);
    assert.equal(accepted.purged, 1);
    assert.equal((await openAlarms(box.store.db, CLOCK_ALARM)).length, 0);
  },
});

Deno.test({
  name: "runPurge() changes nothing when the audit append fails",
  ...opts,
  async fn() {
    await using box = await storageBox({ purgeAfter: "30d" });
    const old = await box.addRecording({ createdAt: OLD });
    const failing: StorageHost = {
      ...box.host,
      audit: {
        append: () => Promise.reject(new AuditWriteError("recording.purge", new Error("disk"))),
      } as unknown as StorageHost["audit"],
    };
    await assert.rejects(runPurge(failing, { now: () => NOW }), AuditWriteError);
    assert.equal(await stateOf(box, old.id), "complete");
    assert.ok((await Deno.stat(old.file)).isFile);
  },
});

Deno.test({
  name:
    "runPurge() skips a recording a key command holds, and one whose file moved since the pass listed it",
  ...opts,
  async fn() {
    await using box = await storageBox({ purgeAfter: "30d" });
    const old = await box.addRecording({ createdAt: OLD });
    const rotate = newClaimer("keys rotate");
    assert.ok(await claimRecording(box.store.db, rotate, old.id));
    const r = await runPurge(box.host, { now: () => NOW });
    assert.deepEqual(r.items, [{
      id: old.id,
      action: "local",
      outcome: "skipped",
      error: "keys rotate holds it",
    }]);
    assert.equal(r.purged, 0);
    assert.equal(await stateOf(box, old.id), "complete");
    assert.ok((await Deno.stat(old.file)).isFile, "the file stays while the key command works");
    await releaseClaim(box.store.db, old.id, rotate.holder);
    const after = await runPurge(box.host, { now: () => NOW });
    assert.equal(after.purged, 1);
    assert.equal(await stateOf(box, old.id), "purged");
    await assert.rejects(Deno.stat(old.file), Deno.errors.NotFound);
  },
});
