import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigSchema } from "../config.ts";
import { nullLogger } from "../log.ts";
import { KeyringStartError, openKeyring } from "./open_keyring.ts";
import { kekPath, listKekIds, parseKeyText } from "./key_store.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

function config(dataDir: string, encryption: Record<string, unknown>) {
  return ConfigSchema.parse({ dataDir, encryption });
}

Deno.test({
  ...opts,
  name: "openKeyring() makes a 0600 KEK file at first start, then keeps using it",
  async fn() {
    const dir = await Deno.makeTempDir();
    const cfg = config(dir, { enabled: true });
    const off = config(dir, { enabled: false });
    assert.equal(await openKeyring(off, [], nullLogger), null, "off, nothing sealed");
    assert.deepEqual(await listKekIds(join(dir, "keys")), [], "no KEK made while off");
    assert.equal(config(dir, {}).encryption.enabled, true, "on by default");
    const k1 = await openKeyring(cfg, [], nullLogger);
    const ids = await listKekIds(join(dir, "keys"));
    assert.equal(ids.length, 1);
    assert.equal(k1!.currentKeyId, ids[0]);
    const file = kekPath(join(dir, "keys"), ids[0]);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(join(dir, "keys"))).mode! & 0o777, 0o700);
    assert.ok(parseKeyText(await Deno.readTextFile(file)));
    const k2 = await openKeyring(cfg, [{ keyId: ids[0], recordings: 3 }], nullLogger);
    const dk = k1!.newDataKeySync();
    assert.deepEqual(await k2!.unwrap(dk, "f"), dk.dataKey, "the same KEK after a restart");
    assert.equal((await listKekIds(join(dir, "keys"))).length, 1);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "openKeyring() refuses when sealed recordings need a KEK file that is gone",
  async fn() {
    const dir = await Deno.makeTempDir();
    for (const enabled of [true, false]) {
      const err = await openKeyring(
        config(dir, { enabled }),
        [{ keyId: "kek-20260101T000000Z-0000abcd", recordings: 7 }],
        nullLogger,
      ).then(() => null, (e) => e);
      assert.ok(err instanceof KeyringStartError);
      const file = join(dir, "keys", "kek-20260101T000000Z-0000abcd.key");
      assert.match(err.message, /7 sealed recording\(s\) need key "kek-20260101T000000Z-0000abcd"/);
      assert.ok(err.message.includes(`Restore ${file}`), err.message);
      assert.deepEqual(await listKekIds(join(dir, "keys")), [], "no new key made in its place");
    }
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "a keyCommand is given the key id, called once per id, and its refusal stops the start",
  async fn() {
    const dir = await Deno.makeTempDir();
    const hook = join(dir, "kms.sh");
    const calls = join(dir, "calls");
    await Deno.writeTextFile(
      hook,
      `#!/bin/sh\necho "$1" >> ${calls}\n[ "$1" = kms-1 ] || { echo "no key $1" >&2; exit 3; }\n` +
        `echo ${"ab".repeat(32)}\n`,
    );
    await Deno.chmod(hook, 0o700);
    const cfg = config(dir, { enabled: true, keyCommand: [hook], keyId: "kms-1" });
    const k = await openKeyring(cfg, [{ keyId: "kms-1", recordings: 2 }], nullLogger);
    const dk = k!.newDataKeySync();
    assert.deepEqual(await k!.unwrap(dk, "f"), dk.dataKey);
    assert.equal(await Deno.readTextFile(calls), "kms-1\n", "one call, cached in memory");
    const err = await openKeyring(cfg, [{ keyId: "kms-0", recordings: 1 }], nullLogger)
      .then(() => null, (e) => e);
    assert.ok(err instanceof KeyringStartError);
    assert.match(err.message, /keyCommand .*kms\.sh exited 3: no key kms-0/);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "with a keyCommand, the KEK id a rotation recorded wins over keyId and reaches refresh()",
  async fn() {
    const dir = await Deno.makeTempDir();
    const hook = join(dir, "kms.sh");
    await Deno.writeTextFile(
      hook,
      `#!/bin/sh\ncase "$1" in kms-1|kms-2|kms-3) ;; *) echo "no key $1" >&2; exit 3;; esac\n` +
        `printf '%s' "$1" | sha256sum | cut -c1-64\n`,
    );
    await Deno.chmod(hook, 0o700);
    const cfg = config(dir, { enabled: true, keyCommand: [hook], keyId: "kms-1" });
    let recorded: string | null = "kms-2";
    const k = (await openKeyring(cfg, [], nullLogger, {
      recordedKeyId: () => Promise.resolve(recorded),
    }))!;
    assert.equal(k.currentKeyId, "kms-2", "the recorded id, not encryption.keyId");
    assert.equal(await k.refresh(), null, "unchanged");
    recorded = "kms-3";
    assert.equal(await k.refresh(), "kms-3");
    assert.equal(k.newDataKeySync().keyId, "kms-3", "new data keys go under it");
    recorded = "kms-9";
    await assert.rejects(k.refresh(), /no key kms-9/);
    assert.equal(k.currentKeyId, "kms-3", "a key the hook refuses is never taken");
    const plain = (await openKeyring(cfg, [], nullLogger))!;
    assert.equal(plain.currentKeyId, "kms-1", "nothing recorded: encryption.keyId");
    await Deno.remove(dir, { recursive: true });
  },
});
