import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StatementCache } from "./statement_cache.ts";

Deno.test("StatementCache reuses the statement of an SQL text and tells readers apart", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (x INTEGER)");
  const cache = new StatementCache(db);
  const insert = cache.get("INSERT INTO t VALUES (?)");
  assert.equal(insert.reader, false);
  for (let i = 0; i < 3; i++) cache.get("INSERT INTO t VALUES (?)").stmt.run(i);
  const select = cache.get("SELECT count(*) AS n FROM t");
  assert.equal(select.reader, true);
  assert.equal(cache.get("INSERT INTO t VALUES (?)").stmt, insert.stmt);
  assert.deepEqual({ ...select.stmt.get() }, { n: 3 });
  assert.equal(cache.size, 2);
  db.close();
});

Deno.test("StatementCache drops the least recently used statement when full", () => {
  const db = new DatabaseSync(":memory:");
  const cache = new StatementCache(db, 2);
  const one = cache.get("SELECT 1");
  cache.get("SELECT 2");
  cache.get("SELECT 1"); // now most recent
  cache.get("SELECT 3"); // drops SELECT 2
  assert.equal(cache.size, 2);
  assert.equal(cache.get("SELECT 1").stmt, one.stmt);
  const two = cache.get("SELECT 2"); // prepared again, drops SELECT 3
  assert.deepEqual({ ...two.stmt.get() }, { "2": 2 });
  assert.equal(cache.size, 2);
  assert.throws(() => new StatementCache(db, 0), RangeError);
  db.close();
});
