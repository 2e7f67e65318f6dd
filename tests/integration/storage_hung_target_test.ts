/**
 * Hung target: the archive target is a bindfs (FUSE) mount whose daemon is stopped with
 * SIGSTOP mid-copy, so every access to it blocks. The copy worker must be killed by the
 * watchdog (storage.copyTimeout) and alarmed, the target marked unhealthy, the recording
 * kept on the spool — and this process must keep answering HTTP meanwhile.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { storageBox } from "../../src/archive/_test_util.ts";
import { runArchive } from "../../src/archive/archive_run.ts";
import { openAlarms } from "../../src/store/queries/alarms.ts";
import { CopyWorker } from "../../src/archive/copy_worker.ts";
import { specOf, syncTargets } from "../../src/archive/locations.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await cond())) await sleep(25);
}

const mounted = async (path: string) =>
  (await Deno.readTextFile("/proc/self/mountinfo")).includes(` ${path} `);

Deno.test({
  name: "a hung FUSE target gets its copy worker killed and alarmed while HTTP keeps answering",
  ignore: !(await Deno.stat("/dev/fuse").then(() => true, () => false)),
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-hung-" });
    const backing = join(dir, "backing"), target = join(dir, "target");
    await Deno.mkdir(backing);
    await Deno.mkdir(target);
    const bindfs = new Deno.Command("bindfs", { args: ["-f", backing, target] }).spawn();
    const server = Deno.serve({ port: 0, onListen: () => {} }, () => new Response("alive"));
    try {
      await until(() => mounted(target));
      await using box = await storageBox({
        copyTimeout: "2s",
        targets: [{ name: "nas", path: target, mount: { type: "fuse.bindfs", source: backing } }],
      }, join(dir, "box"));
      const row = (await syncTargets(box.store.db, box.config))[0];
      {
        await using w = CopyWorker.spawn({ timeoutMs: 10_000 });
        const init = await w.call({ op: "init", spec: specOf(row) });
        assert.equal(init.ev, "ok", JSON.stringify(init));
        await box.store.db.updateTable("storage_locations")
          .set({ volume_id: init.ev === "ok" ? init.volumeId! : "" }).execute();
      }
      const rec = await box.addRecording({ bytes: 100_000 });
      const hook = join(dir, "hook");
      let done = false;
      const archiving = runArchive(box.host, { hook: { step: "copied", file: hook } })
        .finally(() => done = true);
      await until(() => Deno.stat(hook).then(() => true, () => false));
      Deno.kill(bindfs.pid, "SIGSTOP");
      await Deno.remove(hook);

      const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
      assert.equal(await res.text(), "alive");
      assert.equal(done, false, "the HTTP answer came while the archive was hung");

      const r = await archiving;
      assert.equal(r.archived, 0);
      assert.equal(r.failed, 1);
      assert.match(r.items[0].error ?? "", /no progress in 2000 ms and was killed/);
      assert.equal(r.targets[0].healthy, false);
      const alarms = (await openAlarms(box.store.db, "archive.")).map((a) => a.kind).sort();
      assert.deepEqual(alarms, ["archive.target:nas", "archive.watchdog:nas"]);
      assert.ok((await Deno.stat(rec.file)).isFile, "the recording stays on the spool");
      const row2 = await box.store.db.selectFrom("recordings").select("storage_location_id")
        .where("id", "=", rec.id).executeTakeFirstOrThrow();
      assert.equal(row2.storage_location_id, box.spoolId);
    } finally {
      try {
        Deno.kill(bindfs.pid, "SIGCONT");
      } catch {
        // already gone
      }
      await new Deno.Command("fusermount3", { args: ["-u", target] }).output();
      await bindfs.status;
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
