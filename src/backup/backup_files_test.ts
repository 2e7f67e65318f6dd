import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigSchema } from "../config.ts";
import { openDataStore } from "../store/db.ts";
import { createKekFile, kekPath } from "../keys/key_store.ts";
import { takeBackup } from "./backup_files.ts";
import { restoreBackup } from "./restore.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** A stopped box in `dir/data` with a database and one KEK in `keyDir` (default data/keys). */
async function boxWithKek(dir: string, keyDir?: string) {
  const dataDir = join(dir, "data");
  await (await openDataStore(dataDir)).close();
  const encryption = keyDir ? { keyDir } : {};
  const config = ConfigSchema.parse({ dataDir, encryption, rules: { dir: join(dir, "none") } });
  const dir0 = keyDir ?? join(dataDir, "keys");
  const id = await createKekFile(dir0);
  return { config, id, file: kekPath(dir0, id) };
}

async function assertKeyFile(path: string, bytes: Uint8Array) {
  assert.deepEqual(await Deno.readFile(path), bytes, `${path} restored as backed up`);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600, `${path} is 0600`);
}

Deno.test({
  ...opts,
  name: "a backup holds the KEK of data/keys and restore puts it back (sealed audio needs it)",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const box = await boxWithKek(dir);
      const m = await takeBackup(
        { config: box.config, configSource: "built-in defaults" },
        join(dir, "b"),
      );
      const kek = m.files.find((f) => f.path === `data/keys/${box.id}.key`);
      assert.equal(kek?.role, "key", JSON.stringify(m.files.map((f) => f.path)));
      const restored = join(dir, "restored");
      await restoreBackup({ from: join(dir, "b"), dataDir: restored });
      await assertKeyFile(join(restored, "keys", `${box.id}.key`), await Deno.readFile(box.file));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name: "KEKs of an encryption.keyDir outside the data dir are backed up under kek/ and restored",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const box = await boxWithKek(dir, join(dir, "etc-keys"));
      const m = await takeBackup(
        { config: box.config, configSource: "built-in defaults" },
        join(dir, "b"),
      );
      assert.deepEqual(
        m.files.filter((f) => f.role === "key" && !f.path.includes("audit")).map((f) => f.path),
        [`kek/${box.id}.key`],
      );
      const restored = join(dir, "restored"), keyDir = join(dir, "new-keys");
      await restoreBackup({ from: join(dir, "b"), dataDir: restored, keyDir });
      await assertKeyFile(join(keyDir, `${box.id}.key`), await Deno.readFile(box.file));
      assert.equal((await Deno.stat(keyDir)).mode! & 0o777, 0o700);
      await assert.rejects(
        Deno.stat(join(restored, "keys", `${box.id}.key`)),
        Deno.errors.NotFound,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
