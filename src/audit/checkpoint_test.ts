import assert from "node:assert/strict";
import { join } from "node:path";
import { seedAudit, tempBox } from "./_test_util.ts";
import {
  AuditChainBrokenError,
  checkpointPath,
  readCheckpoints,
  writeCheckpoint,
} from "./checkpoint.ts";
import { keyPaths, loadOrCreateSigningKey, loadVerifyingKey } from "./checkpoint_key.ts";
import { auditCheckpointService } from "./checkpoint_service.ts";
import { nullLogger } from "../log.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("loadOrCreateSigningKey() creates a 0600 key once and reuses it", opts, async () => {
  await using box = await tempBox();
  const a = await loadOrCreateSigningKey(box.dir);
  const b = await loadOrCreateSigningKey(box.dir);
  assert.equal(a.keyId, b.keyId);
  assert.match(a.keyId, /^[0-9a-f]{16}$/);
  const p = keyPaths(box.dir);
  assert.equal((await Deno.stat(p.privateKey)).mode! & 0o777, 0o600);
  const pub = JSON.parse(await Deno.readTextFile(p.publicKey));
  assert.equal(pub.d, undefined);
  assert.equal((await loadVerifyingKey(box.dir))?.keyId, a.keyId);
});

Deno.test(
  "writeCheckpoint() appends a signed line only when the chain advanced",
  opts,
  async () => {
    await using box = await tempBox();
    const key = await loadOrCreateSigningKey(box.dir);
    assert.equal(await writeCheckpoint(box.store.db, box.dir, key), null);
    await seedAudit(box, 4);
    const now = () => new Date("2026-02-01T00:00:00Z");
    const a = await writeCheckpoint(box.store.db, box.dir, key, { now });
    assert.deepEqual(
      { seq: a?.seq, count: a?.count, firstSeq: a?.firstSeq, ts: a?.ts },
      { seq: 4, count: 4, firstSeq: 1, ts: "2026-02-01T00:00:00.000Z" },
    );
    assert.deepEqual(await writeCheckpoint(box.store.db, box.dir, key, { now }), a);
    await seedAudit(box, 2);
    const b = await writeCheckpoint(box.store.db, box.dir, key, { now });
    assert.equal(b?.seq, 6);
    const file = await readCheckpoints(checkpointPath(box.dir), key);
    assert.equal(file.problem, null);
    assert.deepEqual(file.checkpoints.map((c) => c.seq), [4, 6]);
  },
);

Deno.test("readCheckpoints() rejects an edited line", opts, async () => {
  await using box = await tempBox();
  const key = await loadOrCreateSigningKey(box.dir);
  await seedAudit(box, 3);
  await writeCheckpoint(box.store.db, box.dir, key);
  const path = checkpointPath(box.dir);
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.replace('"seq":3', '"seq":2'));
  const file = await readCheckpoints(path, key);
  assert.deepEqual(file.problem, { line: 1, seq: 2, reason: "has an invalid signature" });
  assert.equal(
    (await readCheckpoints(path, null)).problem?.reason,
    "cannot be checked: no audit key",
  );
});

Deno.test(
  "writeCheckpoint() refuses to sign rows edited after the last checkpoint",
  opts,
  async () => {
    await using box = await tempBox();
    const key = await loadOrCreateSigningKey(box.dir);
    await seedAudit(box, 3);
    await writeCheckpoint(box.store.db, box.dir, key);
    await seedAudit(box, 2);
    box.store.raw.exec("DROP TRIGGER audit_events_no_update");
    box.store.raw.exec("UPDATE audit_events SET actor_name = 'x' WHERE seq = 5");
    await assert.rejects(
      writeCheckpoint(box.store.db, box.dir, key),
      (err) => err instanceof AuditChainBrokenError && err.broken.seq === 5,
    );
    assert.equal((await readCheckpoints(checkpointPath(box.dir), key)).checkpoints.length, 1);
  },
);

Deno.test(
  "auditCheckpointService() checkpoints at start, on each tick and at stop",
  opts,
  async () => {
    await using app = await tempBox();
    const dir = app.dir;
    const deps = { audit: { checkpointInterval: "5m" }, dataDir: dir, log: nullLogger };
    const ticks: { fn: () => void; ms: number }[] = [];
    let cleared = 0;
    const svc = auditCheckpointService({ ...deps, db: app.store.db }, {
      timers: {
        setInterval: (fn, ms) => ticks.push({ fn, ms }),
        clearInterval: () => cleared++,
      },
    });
    await app.audit.append({ actor: { type: "system" }, action: "system.start" });
    await svc.start();
    assert.equal(ticks[0].ms, 300_000);
    await app.audit.append({ actor: { type: "cli" }, action: "user.add" });
    ticks[0].fn();
    await svc.checkpointNow(); // queued behind the tick's run; writes nothing new
    await app.audit.append({ actor: { type: "cli" }, action: "user.disable" });
    await svc.stop();
    assert.equal(cleared, 1);
    const key = await loadVerifyingKey(dir);
    const file = await readCheckpoints(join(dir, "audit-checkpoints.jsonl"), key);
    assert.deepEqual(file.checkpoints.map((c) => c.seq), [1, 2, 3]);
  },
);

Deno.test(
  "auditCheckpointService() raises an alarm instead of signing a broken chain",
  opts,
  async () => {
    await using app = await tempBox();
    const dir = app.dir;
    const deps = { audit: { checkpointInterval: "1h" }, dataDir: dir, log: nullLogger };
    const svc = auditCheckpointService({ ...deps, db: app.store.db }, {
      timers: { setInterval: () => 0, clearInterval: () => {} },
    });
    await app.audit.append({ actor: { type: "system" }, action: "a" });
    await app.audit.append({ actor: { type: "system" }, action: "b" });
    app.store.raw.exec(
      "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq = 1",
    );
    await svc.start();
    await svc.stop();
    const alarms = await app.store.db.selectFrom("alarms").selectAll().execute();
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0].kind, "audit.chain");
    assert.match(alarms[0].message, /seq 2/);
    await assert.rejects(Deno.stat(join(dir, "audit-checkpoints.jsonl")), Deno.errors.NotFound);
  },
);
