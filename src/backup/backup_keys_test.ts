import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigSchema } from "../config.ts";
import { openDataStore } from "../store/db.ts";
import { createKekFile, kekPath } from "../keys/key_store.ts";
import { takeBackup } from "./backup_files.ts";
import { restoreBackup, RestoreRefused } from "./restore.ts";
import { parseManifest } from "./manifest.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** A stopped box in `dir/data` whose one sealed recording needs KEK `keyId`. */
async function box(dir: string, encryption: Record<string, unknown>, keyId: string | null) {
  const dataDir = join(dir, "data");
  const store = await openDataStore(dataDir);
  try {
    store.raw.exec(
      "INSERT INTO storage_locations (id, name, kind, path, healthy) " +
        "VALUES (1, 'spool', 'spool', '/nowhere', 1)",
    );
    store.raw.exec(
      "INSERT INTO calls (id, call_key, source, started_at, metadata) " +
        "VALUES ('c1', 'k1', 'api', '2026-01-01T00:00:00Z', '{}')",
    );
    store.raw.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path,
        storage_location_id, legal_hold, created_at, sealed, key_id)
       VALUES ('r1', 'c1', 'complete', 'opus', '2026-01-01T00:00:00Z', 'r1.ogg', 1, 0,
        '2026-01-01T00:00:00Z', 1, ?)`,
    ).run(keyId);
  } finally {
    await store.close();
  }
  const config = ConfigSchema.parse({ dataDir, encryption, rules: { dir: join(dir, "none") } });
  return config;
}

async function backup(config: ReturnType<typeof ConfigSchema.parse>, out: string) {
  await takeBackup({ config, configSource: "built-in defaults" }, out);
  // What a later reader sees: the manifest as written.
  return parseManifest(await Deno.readTextFile(join(out, "manifest.json")));
}

Deno.test({
  ...opts,
  name:
    "restore refuses to replace a KEK file that has other bytes, unless --force keeps it beside",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const keyDir = join(dir, "etc-keys");
      const id = await createKekFile(keyDir);
      const config = await box(dir, { keyDir }, id);
      const m = await backup(config, join(dir, "b"));
      assert.deepEqual(m.keys?.included, [id]);
      assert.deepEqual(m.keys?.needed, [{ keyId: id, recordings: 1 }]);
      assert.equal(m.keys?.location, keyDir);

      // The same bytes in place: no conflict, restored as they are.
      const restored = join(dir, "restored");
      await restoreBackup({ from: join(dir, "b"), dataDir: restored, keyDir });
      const backedUp = await Deno.readFile(kekPath(keyDir, id));

      // Another key under the same name (not what the backup has): refused, nothing changed.
      const other = new TextEncoder().encode(btoa("x".repeat(32)) + "\n");
      await Deno.writeFile(kekPath(keyDir, id), other, { mode: 0o600 });
      const again = join(dir, "again");
      const err = await restoreBackup({ from: join(dir, "b"), dataDir: again, keyDir })
        .then(() => null, (e) => e);
      assert.ok(err instanceof RestoreRefused, String(err));
      assert.equal(err.code, 2);
      assert.ok(err.message.includes(kekPath(keyDir, id)), err.message);
      assert.match(err.message, /--force/);
      assert.deepEqual(await Deno.readFile(kekPath(keyDir, id)), other, "left as it was");
      await assert.rejects(Deno.stat(join(again, "selrec.db")), Deno.errors.NotFound);

      const r = await restoreBackup({ from: join(dir, "b"), dataDir: again, keyDir, force: true });
      assert.equal(r.keptKeks.length, 1);
      assert.deepEqual(await Deno.readFile(r.keptKeks[0]), other, "the other key is kept");
      assert.deepEqual(await Deno.readFile(kekPath(keyDir, id)), backedUp);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name: "KEKs backed up from data/keys are restored into a box whose keyDir is elsewhere",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const id = await createKekFile(join(dir, "data", "keys"));
      const config = await box(dir, {}, id);
      const m = await backup(config, join(dir, "b"));
      assert.deepEqual(m.keys?.included, [id]);
      const keyDir = join(dir, "moved-keys");
      await restoreBackup({ from: join(dir, "b"), dataDir: join(dir, "restored"), keyDir });
      assert.deepEqual(
        await Deno.readFile(kekPath(keyDir, id)),
        await Deno.readFile(kekPath(join(dir, "data", "keys"), id)),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name:
    "the manifest says a keyCommand's KEKs live in the KMS, and names a needed KEK file that is gone",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const config = await box(
        dir,
        { keyCommand: ["/usr/local/bin/kms-key"], keyId: "kms-7" },
        "kms-7",
      );
      const m = await backup(config, join(dir, "b"));
      assert.equal(m.keys?.source, "command");
      assert.equal(m.keys?.location, "/usr/local/bin/kms-key");
      assert.deepEqual(m.keys?.included, []);
      assert.match(m.keys!.note, /KMS\/HSM\) and are not in this backup/);
      assert.match(m.keys!.note, /kms-7/);

      const lost = join(dir, "lost");
      await Deno.mkdir(lost);
      const config2 = await box(lost, {}, "kek-20260101T000000Z-deadbeef");
      const m2 = await backup(config2, join(lost, "b"));
      assert.equal(m2.keys?.source, "files");
      assert.match(m2.keys!.note, /kek-20260101T000000Z-deadbeef .*not in this backup/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
