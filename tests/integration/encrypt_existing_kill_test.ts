/**
 * `selrec keys encrypt-existing` killed with SIGKILL at random points (a step of a random
 * recording, or a random moment) and run again leaves every recording readable exactly
 * once: one file in its directory (no plain twin, no temp), the row pointing at it,
 * sealed, and decrypting to the SHA-256 stored before the conversion.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import fc from "fast-check";
import { keysBox } from "../../src/keys/_test_util.ts";
import { selrec } from "../../src/archive/_test_util.ts";
import { spoolDir } from "../../src/archive/status.ts";
import { sealedPlaintextSha256 } from "../../src/keys/key_files.ts";
import { sealJobs } from "../../src/store/queries/key_jobs.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const STEPS = ["journaled", "written", "switched", "removed"] as const;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function killedRun(
  configFile: string,
  env: Record<string, string>,
  until: () => Promise<boolean>,
): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "keys", "encrypt-existing", "--json", "--config", configFile],
    env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 30_000;
  while (!(await until()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  try {
    child.kill("SIGKILL");
  } catch {
    // it finished first
  }
  await child.status;
}

Deno.test({
  name: "encrypt-existing killed at random points and rerun leaves every recording exactly once",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ step: fc.constantFrom(...STEPS), n: fc.integer({ min: 1, max: 4 }) }),
          fc.record({ delayMs: fc.integer({ min: 200, max: 2500 }) }),
        ),
        async (point) => {
          await using box = await keysBox();
          const recs = [];
          for (let i = 0; i < 4; i++) recs.push(await box.addRecording({ bytes: 3000 + i * 7000 }));
          await box.keyring(); // the KEK file, as the box's first start makes it
          const pauseFile = join(box.dir, "paused");
          if ("step" in point) {
            await killedRun(
              box.configFile,
              { SELREC_KEYS_HOOK: `${point.step}:${point.n}:${pauseFile}` },
              () => exists(pauseFile),
            );
          } else {
            const at = Date.now() + point.delayMs;
            await killedRun(box.configFile, {}, () => Promise.resolve(Date.now() >= at));
          }
          await Deno.remove(pauseFile).catch(() => {});
          const rerun = await selrec(box, ["keys", "encrypt-existing", "--json"]);
          assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
          // A run killed at a step left that recording's journal row: the rerun finishes it.
          if ("step" in point) assert.equal(JSON.parse(rerun.stdout).resumed, 1);
          assert.deepEqual(await sealJobs(box.store.db), []);
          const keyring = await box.keyring();
          for (const r of recs) {
            const row = box.store.raw.prepare(
              "SELECT path, sealed, sha256 FROM recordings WHERE id = ?",
            ).get(r.id) as { path: string; sealed: number; sha256: string };
            assert.equal(row.sealed, 1);
            const file = join(spoolDir(box.config), row.path);
            const siblings = [];
            for await (const e of Deno.readDir(dirname(file))) {
              if (e.name.startsWith(`${r.id}.`)) siblings.push(e.name);
            }
            assert.deepEqual(siblings, [basename(file)], `${r.id}: ${siblings}`);
            assert.equal(await sealedPlaintextSha256(file, keyring.unwrapFor(file)), r.sha256);
          }
        },
      ),
      { numRuns: 8 },
    );
  },
});
