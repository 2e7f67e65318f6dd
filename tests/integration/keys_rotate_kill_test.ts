/**
 * `selrec keys rotate` killed with SIGKILL at random points (a step of a random
 * recording, or a random moment) and run again re-wraps every recording to the same new
 * KEK: afterwards the old KEK is retired and every recording still plays, with the new
 * KEK alone, to its original bytes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { keysBox } from "../../src/keys/_test_util.ts";
import { selrec } from "../../src/archive/_test_util.ts";
import { Keyring } from "../../src/seal/keyring.ts";
import { fileKekSource, listKekIds } from "../../src/keys/key_store.ts";
import { hashFile, sealedPlaintextSha256 } from "../../src/keys/key_files.ts";
import { rewrapJobs } from "../../src/store/queries/key_jobs.ts";
import { createHash } from "node:crypto";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test({
  name: "keys rotate killed at random points and rerun re-wraps every recording once",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({
            step: fc.constantFrom("journaled", "written"),
            n: fc.integer({ min: 1, max: 4 }),
          }),
          fc.record({ delayMs: fc.integer({ min: 200, max: 2500 }) }),
        ),
        async (point) => {
          await using box = await keysBox();
          const recs = [];
          for (let i = 0; i < 4; i++) {
            const data = new Uint8Array(2000 + i * 9000).map((_, j) => (j * (i + 3)) >> 2);
            const sha = createHash("sha256").update(data).digest("hex");
            recs.push({ ...(await box.addSealed(data)), sha });
          }
          const [old] = await listKekIds(box.keyDir);
          const pause = join(box.dir, "paused");
          const child = new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", MAIN, "keys", "rotate", "--json", "--config", box.configFile],
            env: "step" in point ? { SELREC_KEYS_HOOK: `${point.step}:${point.n}:${pause}` } : {},
            stdout: "null",
            stderr: "null",
          }).spawn();
          const until = "step" in point
            ? () => exists(pause)
            : ((at) => () => Promise.resolve(Date.now() >= at))(Date.now() + point.delayMs);
          const deadline = Date.now() + 30_000;
          while (!(await until()) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 5));
          }
          try {
            child.kill("SIGKILL");
          } catch {
            // it finished first
          }
          await child.status;
          await Deno.remove(pause).catch(() => {});
          const ids = await listKekIds(box.keyDir);
          assert.ok(ids.length <= 2, `one new KEK at most: ${ids}`);
          const rerun = await selrec(box, ["keys", "rotate", "--json"]);
          assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
          const r = JSON.parse(rerun.stdout);
          if ("step" in point) {
            assert.equal(r.resumed, 1);
            assert.equal(r.created, false, "the rerun finishes the rotation it started");
          }
          assert.deepEqual(await rewrapJobs(box.store.db), []);
          const retired = await selrec(box, ["keys", "retire", old]);
          assert.equal(retired.code, 0, retired.stderr);
          const only = new Keyring(fileKekSource(box.keyDir, r.keyId));
          for (const rec of recs) {
            const row = box.store.raw.prepare("SELECT key_id, sha256 FROM recordings WHERE id = ?")
              .get(rec.id) as { key_id: string; sha256: string };
            assert.equal(row.key_id, r.keyId);
            assert.equal(row.sha256, (await hashFile(rec.file)).sha256);
            assert.equal(await sealedPlaintextSha256(rec.file, only.unwrapFor(rec.file)), rec.sha);
          }
        },
      ),
      { numRuns: 6 },
    );
  },
});
