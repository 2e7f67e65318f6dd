import assert from "node:assert/strict";
import { appliedMigrations, dbAnswers, integrityCheck, migrate, openStore } from "./db.ts";

Deno.test({
  name: "openStore() and migrate() create every table with WAL and FULL sync",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(`${dir}/selrec.db`);
    await migrate(store.db);
    const mode = store.raw.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    assert.equal(mode.journal_mode, "wal");
    const sync = store.raw.prepare("PRAGMA synchronous").get() as { synchronous: number };
    assert.equal(sync.synchronous, 2);
    const tables =
      (store.raw.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as {
        name: string;
      }[]).map((r) => r.name);
    for (const t of ["calls", "recordings", "audit_events", "users", "org_units", "api_tokens"]) {
      assert.ok(tables.includes(t), `table ${t} exists`);
    }
    assert.equal(integrityCheck(store.raw), "ok");
    const again = await migrate(store.db);
    assert.equal(again.results?.length, 0, "a second migrate is a no-op");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "audit_events refuses UPDATE and DELETE through its triggers",
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(`${dir}/selrec.db`);
    await migrate(store.db);
    store.raw.exec(`INSERT INTO audit_events (ts, actor_type, action, outcome, prev_hash, hash)
      VALUES ('2026-01-01T00:00:00.000Z', 'system', 'test', 'ok', '', 'h1')`);
    assert.throws(() => store.raw.exec("UPDATE audit_events SET action = 'x'"), /append-only/);
    assert.throws(() => store.raw.exec("DELETE FROM audit_events"), /append-only/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "shipped roles are seeded and agents cannot search recordings",
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(`${dir}/selrec.db`);
    await migrate(store.db);
    const perms = await store.db.selectFrom("role_permissions").select(["role", "permission"])
      .execute();
    assert.ok(perms.some((p) => p.role === "compliance" && p.permission === "recording.delete"));
    assert.ok(!perms.some((p) => p.role === "agent" && p.permission === "recording.search"));
    assert.ok(!perms.some((p) => p.role === "supervisor" && p.permission === "recording.delete"));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "appliedMigrations() lists none before migrate and every one after; dbAnswers() is false once closed",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const store = openStore(`${dir}/selrec.db`);
    assert.deepEqual(await appliedMigrations(store.db), []);
    const result = await migrate(store.db);
    assert.equal((await appliedMigrations(store.db)).length, result.results?.length);
    assert.equal(dbAnswers(store.raw), true);
    await store.close();
    assert.equal(dbAnswers(store.raw), false);
    await Deno.remove(dir, { recursive: true });
  },
});
