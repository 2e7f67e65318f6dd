import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { AuditLog, entryHash, GENESIS_HASH } from "./audit_log.ts";

Deno.test("AuditLog.append() chains each entry to the previous hash", async () => {
  const dir = await Deno.makeTempDir();
  await using store = openStore(`${dir}/a.db`);
  await migrate(store.db);
  const log = new AuditLog(store.db, { now: () => new Date("2026-11-29T10:00:00Z") });
  const a = await log.append({
    actor: { type: "user", id: 1, name: "sue" },
    action: "recording.play",
  });
  const b = await log.append({
    actor: { type: "system" },
    action: "recording.purge",
    recordingId: "r1",
    details: { z: 1, a: [2, 1] },
  });
  assert.equal(a.prev_hash, GENESIS_HASH);
  assert.equal(b.prev_hash, a.hash);
  const rows = await store.db.selectFrom("audit_events").selectAll().orderBy("seq").execute();
  for (const row of rows) {
    const { hash, ...rest } = { ...row };
    assert.equal(await entryHash(rest), hash);
  }
  assert.equal(rows[1].details, '{"a":[2,1],"z":1}');
  await Deno.remove(dir, { recursive: true });
});

Deno.test("AuditLog.append() in a rolled-back transaction leaves no row", async () => {
  const dir = await Deno.makeTempDir();
  await using store = openStore(`${dir}/a.db`);
  await migrate(store.db);
  const log = new AuditLog(store.db);
  await assert.rejects(
    store.db.transaction().execute(async (tx) => {
      await log.append({ actor: { type: "cli" }, action: "user.add" }, tx);
      throw new Error("action failed");
    }),
    /action failed/,
  );
  const n = await store.db.selectFrom("audit_events").select("seq").execute();
  assert.equal(n.length, 0);
  await Deno.remove(dir, { recursive: true });
});
