import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { kyselySqlite } from "./sqlite_driver.ts";

function fixture(cacheSize?: number) {
  const raw = new DatabaseSync(":memory:");
  raw.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const db = kyselySqlite(raw, cacheSize);
  const insert = "INSERT INTO t (v) VALUES (?)";
  for (let i = 0; i < 5; i++) db.prepare(insert).run([`v${i}`]);
  return db;
}

Deno.test("kyselySqlite() reuses a statement per SQL text with fresh parameters each time", () => {
  const db = fixture();
  const sql = "SELECT v FROM t WHERE id = ?";
  assert.equal(db.prepare(sql).reader, true);
  assert.equal(db.prepare("UPDATE t SET v = v WHERE id = ?").reader, false);
  for (let id = 1; id <= 5; id++) {
    assert.deepEqual(db.prepare(sql).all([id]).map((r) => ({ ...r as object })), [{
      v: `v${id - 1}`,
    }]);
  }
  const r = db.prepare("INSERT INTO t (v) VALUES (?)").run([true]);
  assert.equal(Number(r.lastInsertRowid), 6);
  db.close();
});

Deno.test("kyselySqlite(): a stream is not reset by the same query run while it is open", () => {
  const db = fixture();
  const sql = "SELECT id FROM t WHERE id >= ? ORDER BY id";
  const ids: number[] = [];
  for (const row of db.prepare(sql).iterate([1]) as Iterable<{ id: number }>) {
    ids.push(row.id);
    assert.equal(db.prepare(sql).all([4]).length, 2);
  }
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  db.close();
});

Deno.test("kyselySqlite() keeps answering right past its cache size", () => {
  const db = fixture(4);
  for (let round = 0; round < 3; round++) {
    for (let k = 1; k <= 10; k++) {
      const rows = db.prepare(`SELECT count(*) AS n, ${k} AS k FROM t WHERE id <= ?`).all([k]);
      assert.deepEqual({ ...rows[0] as object }, { n: Math.min(k, 5), k });
    }
  }
  db.close();
});
