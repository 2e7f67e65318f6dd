import assert from "node:assert/strict";
import { join } from "node:path";
import { nullLogger } from "../log.ts";
import { Keyring } from "../seal/keyring.ts";
import { createKekFile, fileKekSource, kekPath, listKekIds } from "./key_store.ts";
import { kekRefreshService } from "./kek_refresh.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

async function waitUntil(ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test({
  ...opts,
  name: "SIGHUP makes a newer KEK file current for new data keys; an older one does not",
  async fn() {
    const dir = await Deno.makeTempDir();
    const keyDir = join(dir, "keys");
    const first = await createKekFile(keyDir, new Date("2026-01-01T00:00:00Z"));
    const keyring = new Keyring(fileKekSource(keyDir, first));
    await keyring.kek(first);
    const svc = kekRefreshService({ keyring, log: nullLogger, intervalMs: 3_600_000 });
    await svc.start();
    try {
      await createKekFile(keyDir, new Date("2025-01-01T00:00:00Z")); // sorts before: ignored
      await svc.refresh();
      assert.equal(keyring.currentKeyId, first);
      const second = await createKekFile(keyDir, new Date("2026-02-01T00:00:00Z"));
      assert.equal(keyring.newDataKeySync().keyId, first, "nothing changes before the signal");
      Deno.kill(Deno.pid, "SIGHUP");
      await waitUntil(() => keyring.currentKeyId === second);
      const dk = keyring.newDataKeySync();
      assert.equal(dk.keyId, second);
      assert.deepEqual(await keyring.unwrap(dk, "f"), dk.dataKey);
    } finally {
      await svc.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name: "the periodic check picks up a new KEK; one that cannot be read leaves the current key",
  async fn() {
    const dir = await Deno.makeTempDir();
    const keyDir = join(dir, "keys");
    const first = await createKekFile(keyDir, new Date("2026-01-01T00:00:00Z"));
    const keyring = new Keyring(fileKekSource(keyDir, first));
    await keyring.kek(first);
    const svc = kekRefreshService({ keyring, log: nullLogger, intervalMs: 20 });
    await svc.start();
    try {
      const bad = "kek-20260301T000000Z-00000000";
      await Deno.writeTextFile(kekPath(keyDir, bad), "not a key\n", { mode: 0o600 });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(keyring.currentKeyId, first, "an unreadable newer file is not taken");
      assert.equal(keyring.newDataKeySync().keyId, first);
      await Deno.remove(kekPath(keyDir, bad));
      const second = await createKekFile(keyDir, new Date("2026-02-01T00:00:00Z"));
      await waitUntil(() => keyring.currentKeyId === second);
      assert.deepEqual(await listKekIds(keyDir), [first, second]);
    } finally {
      await svc.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
