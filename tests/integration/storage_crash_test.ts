/**
 * Crash at each copy step: `selrec archive run` is killed with SIGKILL while paused at a
 * step (SELREC_ARCHIVE_HOOK), then run again. Every recording must end up exactly once:
 * on the target with its hash, pointed at by its row, gone from the spool, no temp file,
 * no job left, one `recording.archive` audit row — and the database intact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { selrec, storageBox } from "../../src/archive/_test_util.ts";
import { integrityCheck } from "../../src/store/db.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function waitFor(path: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      if (exited) throw new Error("archive run exited before reaching the hook");
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(p));
    else out.push(p);
  }
  return out;
}

for (const step of ["copied", "verified", "renamed", "recorded"]) {
  Deno.test({
    name: `archive run killed with SIGKILL at step "${step}" loses and duplicates nothing on rerun`,
    sanitizeOps: true,
    sanitizeResources: true,
    async fn() {
      const target = await Deno.makeTempDir({ prefix: "selrec-target-" });
      await using box = await storageBox({
        targets: [{ name: "nas", path: target, mount: { type: "local" } }],
      });
      assert.equal((await selrec(box, ["storage", "init-target", "nas"])).code, 0);
      const recs = [
        await box.addRecording({ bytes: 300_000 }),
        await box.addRecording({ bytes: 5000 }),
      ];
      const hook = join(box.dir, "hook");
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "archive", "run", "--json", "--config", box.configFile],
        env: { SELREC_ARCHIVE_HOOK: `${step}:${hook}` },
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitFor(hook, child);
      child.kill("SIGKILL");
      assert.equal((await child.status).signal, "SIGKILL");
      await Deno.remove(hook);

      const rerun = await selrec(box, ["archive", "run", "--json"]);
      assert.equal(rerun.code, 0, rerun.stderr);

      assert.equal(integrityCheck(box.store.raw), "ok");
      const targetRow = await box.store.db.selectFrom("storage_locations").select("id")
        .where("name", "=", "nas").executeTakeFirstOrThrow();
      for (const rec of recs) {
        const row = await box.store.db.selectFrom("recordings").selectAll()
          .where("id", "=", rec.id).executeTakeFirstOrThrow();
        assert.equal(row.state, "complete");
        assert.equal(row.storage_location_id, targetRow.id);
        const data = await Deno.readFile(join(target, rec.rel));
        assert.equal(createHash("sha256").update(data).digest("hex"), rec.sha256);
        await assert.rejects(Deno.stat(rec.file), Deno.errors.NotFound);
      }
      const onTarget = (await filesUnder(target)).map((p) => p.slice(target.length + 1)).sort();
      assert.deepEqual(onTarget, [".selrec-volume", ...recs.map((r) => r.rel)].sort());
      assert.deepEqual(await filesUnder(join(box.config.dataDir, "recordings")), []);
      assert.equal((await box.store.db.selectFrom("archive_jobs").selectAll().execute()).length, 0);
      const audits = await box.store.db.selectFrom("audit_events").select("recording_id")
        .where("action", "=", "recording.archive").execute();
      assert.deepEqual(audits.map((a) => a.recording_id).sort(), recs.map((r) => r.id).sort());
      await Deno.remove(target, { recursive: true });
    },
  });
}
