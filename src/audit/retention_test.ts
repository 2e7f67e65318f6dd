import assert from "node:assert/strict";
import { join } from "node:path";
import { seedAudit, tempBox } from "./_test_util.ts";
import { checkpointPath, readCheckpoints, writeCheckpoint } from "./checkpoint.ts";
import { loadOrCreateSigningKey } from "./checkpoint_key.ts";
import { pruneAudit } from "./retention.ts";
import { verifyAuditCsv, verifyAuditStore } from "./verify_store.ts";
import { queryAudit } from "./query.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const actor = { type: "cli" as const, name: "root" };

Deno.test(
  "pruneAudit() removes only the expired prefix and the chain still verifies",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 10); // 00:00 … 09:00 on 2026-01-01
    const key = await loadOrCreateSigningKey(box.dir);
    await writeCheckpoint(box.store.db, box.dir, key);
    const now = () => new Date("2026-01-01T16:00:00Z");
    const archive = join(box.dir, "audit-1-6.csv");
    const dry = await pruneAudit(box.store, box.audit, box.dir, key, {
      retention: "10h",
      actor,
      now,
      dryRun: true,
    });
    assert.deepEqual([dry.removed, dry.fromSeq, dry.toSeq], [6, 1, 6]);
    assert.equal((await queryAudit(box.store.db, {})).rows.length, 10);

    const res = await pruneAudit(box.store, box.audit, box.dir, key, {
      retention: "10h",
      actor,
      now,
      archiveFile: archive,
    });
    assert.deepEqual([res.removed, res.anchor?.firstSeq], [6, 7]);
    const rows = (await queryAudit(box.store.db, {}, { limit: 100 })).rows;
    assert.deepEqual(rows.map((r) => r.seq), [11, 10, 9, 8, 7]);
    assert.equal(rows[0].action, "audit.retention");
    assert.equal(JSON.parse(rows[0].details).anchorSeq, 7);
    const report = await verifyAuditStore(box.store.db, box.dir);
    assert.equal(report.ok, true, JSON.stringify(report.firstBroken));
    assert.deepEqual(report.anchor, res.anchor);
    assert.equal((await verifyAuditCsv(archive)).checked, 6);
    assert.throws(
      () => box.store.raw.exec("DELETE FROM audit_events WHERE seq = 7"),
      /DELETE refused/,
    );
    const cps = (await readCheckpoints(checkpointPath(box.dir), key)).checkpoints;
    assert.deepEqual(cps.map((c) => [c.seq, c.firstSeq, c.next?.firstSeq ?? null]), [
      [10, 1, null],
      [10, 1, 7],
      [11, 7, null],
    ]);
  },
);

Deno.test(
  "a chain cut to the announced anchor verifies; one row further does not",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 6);
    const key = await loadOrCreateSigningKey(box.dir);
    const row4 = await box.store.db.selectFrom("audit_events").select("prev_hash").where(
      "seq",
      "=",
      4,
    )
      .executeTakeFirstOrThrow();
    await writeCheckpoint(box.store.db, box.dir, key, {
      next: { firstSeq: 4, firstPrevHash: row4.prev_hash },
    });
    box.store.raw.exec("DROP TRIGGER audit_events_no_delete");
    box.store.raw.exec("DELETE FROM audit_events WHERE seq < 4"); // crash before the new anchor
    assert.equal((await verifyAuditStore(box.store.db, box.dir)).ok, true);
    box.store.raw.exec("DELETE FROM audit_events WHERE seq = 4");
    const report = await verifyAuditStore(box.store.db, box.dir);
    assert.deepEqual(report.firstBroken, {
      seq: 5,
      reason: "chain starts at seq 5, expected 1: seq 1..4 missing",
    });
  },
);

Deno.test("pruneAudit() refuses to cut a chain that does not verify", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 4);
  const key = await loadOrCreateSigningKey(box.dir);
  box.store.raw.exec("DROP TRIGGER audit_events_no_update");
  box.store.raw.exec("UPDATE audit_events SET action = 'x' WHERE seq = 2");
  await assert.rejects(
    pruneAudit(box.store, box.audit, box.dir, key, { retention: "1h", actor }),
    /Audit chain broken at seq 2/,
  );
  assert.equal((await queryAudit(box.store.db, {})).rows.length, 4);
});
