/**
 * Search on the read pool: a count that misses the page's deadline is left out of the
 * page ("Counting…" with a link count.js follows) and served by /recordings/count.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";
import { ReadPool } from "../../src/store/read_pool.ts";

Deno.test({
  name: "search pages answer from the read pool and a slow count is fetched separately",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using h = await Harness.create();
    for (let i = 0; i < 3; i++) await h.recording(`r${i}`, { agentId: "ag1" });
    await using reads = await ReadPool.open(h.services.store.path, 2);
    h.services.reads = reads;
    const admin = await h.signIn("admin");
    const page = await (await h.req("/recordings", { client: admin })).text();
    // On a tiny table the count beats the deadline: the total is on the page.
    assert.match(page, /3 recordings/);
    // A count slower than the deadline: the page says so and links the count.
    const slow = {
      run: (q: Parameters<ReadPool["run"]>[0]) =>
        /count\(\*\)/.test(q.sql)
          ? new Promise<Record<string, unknown>[]>((r) => setTimeout(() => r([{ n: 3 }]), 300))
          : reads.run(q),
    };
    h.services.reads = slow as unknown as ReadPool;
    const deferred = await (await h.req("/recordings?agent=ag1", { client: admin })).text();
    assert.match(deferred, /Counting…/);
    assert.match(deferred, /data-count-url="\/recordings\/count\?agent=ag1"/);
    assert.match(deferred, /\/static\/count\.js/);
    assert.equal((deferred.match(/\/recordings\/r\d"/g) ?? []).length, 3, "rows are there");
    h.services.reads = reads;
    const count = await h.req("/recordings/count?agent=ag1", {
      client: admin,
      headers: { Accept: "application/json" },
    });
    assert.deepEqual(await count.json(), { total: 3, capped: false });
    const none = await h.req("/recordings/count?agent=nobody", { client: admin });
    assert.deepEqual(await none.json(), { total: 0, capped: false });
  },
});
