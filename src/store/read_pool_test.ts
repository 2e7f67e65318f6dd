import assert from "node:assert/strict";
import type { CompiledQuery } from "kysely";
import { migrate, openStore } from "./db.ts";
import { ReadPool } from "./read_pool.ts";

const query = (sql: string) => ({ sql, parameters: [], query: {} } as unknown as CompiledQuery);
/** About a quarter of a second of SQLite work. */
const SLOW = query(
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) " +
    "SELECT count(*) AS n FROM c",
);
const FAST = query("SELECT 1 AS n");

Deno.test("ReadPool keeps a worker for pages: background counts queue behind, aborted ones drop", async () => {
  const dir = await Deno.makeTempDir();
  try {
    {
      await using store = openStore(`${dir}/r.db`);
      await migrate(store.db);
    }
    await using pool = await ReadPool.open(`${dir}/r.db`, 2);
    const done: string[] = [];
    const track = (name: string, p: Promise<unknown>) =>
      p.then(() => done.push(name), (e) => done.push(`${name}: ${(e as Error).message}`));
    const dropped = new AbortController();
    const all = [
      track("bg1", pool.run(SLOW, { background: true })),
      track("bg2", pool.run(SLOW, { background: true })),
      track("bg3", pool.run(SLOW, { background: true, signal: dropped.signal })),
    ];
    // The second worker stays free for a page while bg1 runs.
    await track("page", pool.run(FAST));
    dropped.abort(new Error("gave up"));
    await Promise.all(all);
    assert.deepEqual(done, ["page", "bg3: gave up", "bg1", "bg2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
