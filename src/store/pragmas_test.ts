import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "./db.ts";
import { READ_PRAGMAS } from "./pragmas.ts";

Deno.test({
  name: "the main connection does not map the file; the read pool's connections do",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-pragmas-" });
    const store = openStore(`${dir}/selrec.db`);
    const pragma = (db: DatabaseSync, name: string) =>
      Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0];
    assert.equal(pragma(store.raw, "mmap_size"), 0);
    assert.equal(pragma(store.raw, "cache_size"), -32768);
    const reader = new DatabaseSync(`${dir}/selrec.db`, { readOnly: true });
    for (const p of READ_PRAGMAS) reader.exec(p);
    assert.equal(pragma(reader, "mmap_size"), 1073741824);
    reader.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  },
});
