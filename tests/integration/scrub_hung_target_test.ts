/**
 * A scrub read on a hung archive target: the target is a bindfs (FUSE) mount whose daemon
 * is stopped with SIGSTOP, so every access to it (the path lookup first) blocks, as on a
 * NAS that stopped answering. The scrub gives the read up after `stallMs` without
 * progress, skips the rest of that target for the run and goes on with the spool; a
 * stopped scrub returns at once. Nothing is flagged, then or when the mount comes back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type StorageBox, storageBox } from "../../src/archive/_test_util.ts";
import { runScrub } from "../../src/archive/scrub_run.ts";
import { markTarget, syncTargets } from "../../src/archive/locations.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mounted = async (path: string) =>
  (await Deno.readTextFile("/proc/self/mountinfo")).includes(` ${path} `);
const hasFuse = await Deno.stat("/dev/fuse").then(() => true, () => false);

/** A box whose archive target "nas" is a bindfs mount; `moveToTarget` puts recordings there. */
async function hungBox(dir: string) {
  const backing = join(dir, "backing"), target = join(dir, "target");
  await Deno.mkdir(backing);
  await Deno.mkdir(target);
  const bindfs = new Deno.Command("bindfs", { args: ["-f", backing, target] }).spawn();
  while (!(await mounted(target))) await sleep(25);
  const box: StorageBox = await storageBox({
    targets: [{ name: "nas", path: target, mount: { type: "fuse.bindfs", source: backing } }],
  }, join(dir, "box"));
  const { db } = box.store;
  const nas = (await syncTargets(db, box.config)).find((t) => t.name === "nas")!;
  await markTarget(db, nas, null, new Date());
  return {
    box,
    async moveToTarget(r: { id: string; rel: string; file: string }) {
      await Deno.mkdir(join(backing, r.rel, ".."), { recursive: true });
      await Deno.rename(r.file, join(backing, r.rel));
      box.store.raw.prepare("UPDATE recordings SET storage_location_id = ? WHERE id = ?")
        .run(nas.id, r.id);
    },
    hang: () => Deno.kill(bindfs.pid, "SIGSTOP"),
    async [Symbol.asyncDispose]() {
      try {
        Deno.kill(bindfs.pid, "SIGCONT");
      } catch { /* gone */ }
      await sleep(300); // the given-up reads finish once the mount answers again
      await box[Symbol.asyncDispose]();
      await new Deno.Command("fusermount3", { args: ["-u", target] }).output();
      await bindfs.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function flagged(box: StorageBox): number {
  return (box.store.raw.prepare(
    "SELECT count(*) AS n FROM recordings WHERE integrity_failed_at IS NOT NULL",
  ).get() as { n: number }).n;
}

Deno.test({
  name:
    "a scrub read on a hung target is given up, the rest of the target skipped, the run goes on",
  ignore: !hasFuse,
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using h = await hungBox(await Deno.makeTempDir({ prefix: "selrec-scrub-hung-" }));
    const { box } = h;
    // Ids sort in creation order: two on the target (the first hangs), one on the spool.
    const first = await box.addRecording();
    const second = await box.addRecording();
    await box.addRecording();
    await h.moveToTarget(first);
    await h.moveToTarget(second);
    const host = { db: box.store.db, audit: box.host.audit, log: box.host.log };
    const before = await runScrub(host, { stallMs: 300 });
    assert.deepEqual([before.ok, before.stalled], [3, []], "the mount answers at first");

    h.hang();
    const t0 = performance.now();
    const r = await runScrub(host, { stallMs: 300 });
    const took = performance.now() - t0;
    assert.ok(took < 3000, `the run took ${took} ms`);
    assert.equal(r.complete, true);
    assert.deepEqual(r.stalled, ["nas"]);
    assert.deepEqual([r.checked, r.ok, r.skipped, r.failed, r.missing], [3, 1, 2, 0, 0]);
    assert.deepEqual(r.items.map((i) => i.id), [first.id, second.id]);
    assert.match(r.items[0].detail, /nas did not answer a read for 300 ms; skipped/);
    assert.equal(flagged(box), 0, "a read given up on flags nothing");
  },
});

Deno.test({
  name: "a scrub stopped while its read hangs returns at once, the read not counted",
  ignore: !hasFuse,
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using h = await hungBox(await Deno.makeTempDir({ prefix: "selrec-scrub-hung-" }));
    const { box } = h;
    const rec = await box.addRecording();
    await h.moveToTarget(rec);
    h.hang();
    const stop = new AbortController();
    setTimeout(() => stop.abort(new DOMException("stopped", "AbortError")), 200);
    const t0 = performance.now();
    const host = { db: box.store.db, audit: box.host.audit, log: box.host.log };
    const r = await runScrub(host, { signal: stop.signal }); // default stall limit: 2 min
    assert.ok(performance.now() - t0 < 2000);
    assert.deepEqual([r.checked, r.complete], [0, false]);
    assert.equal(flagged(box), 0);
  },
});
