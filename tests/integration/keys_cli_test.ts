/**
 * The key commands end to end through `main.ts` (real process, real files): status,
 * encrypt-existing, rotate, retire (refused while in use or current), and an age export
 * of a sealed recording that the standard age CLI opens.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { keysBox } from "../../src/keys/_test_util.ts";
import { selrec } from "../../src/archive/_test_util.ts";
import { listKekIds } from "../../src/keys/key_store.ts";

Deno.test({
  name: "keys status, encrypt-existing, rotate, retire and an age export through the CLI",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using box = await keysBox();
    const audio = new Uint8Array(30_000).map((_, i) => (i * 13) ^ (i >> 7));
    const sealed = await box.addSealed(audio);
    await box.addRecording({ bytes: 12_000 });
    const [first] = await listKekIds(box.keyDir);

    const enc = await selrec(box, ["keys", "encrypt-existing", "--json"]);
    assert.equal(enc.code, 0, enc.stderr);
    assert.deepEqual(
      [JSON.parse(enc.stdout).sealed, JSON.parse(enc.stdout).keyId],
      [1, first],
    );

    const refused = await selrec(box, ["keys", "retire", first]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /still used by 2 recording\(s\)/);

    const rot = await selrec(box, ["keys", "rotate", "--json"]);
    assert.equal(rot.code, 0, rot.stderr);
    const r = JSON.parse(rot.stdout);
    assert.deepEqual([r.rewrapped, r.complete, r.created], [2, true, true]);
    assert.notEqual(r.keyId, first);

    const status = JSON.parse((await selrec(box, ["keys", "status", "--json"])).stdout);
    assert.deepEqual(
      status.keys.map((k: { keyId: string; recordings: number; current: boolean }) => [
        k.keyId,
        k.recordings,
        k.current,
      ]),
      [[first, 0, false], [r.keyId, 2, true]],
    );
    assert.deepEqual([status.sealed, status.plain], [2, 0]);
    const current = await selrec(box, ["keys", "retire", r.keyId]);
    assert.equal(current.code, 1);
    const retired = await selrec(box, ["keys", "retire", first]);
    assert.equal(retired.code, 0, retired.stderr);
    assert.deepEqual(await listKekIds(box.keyDir), [r.keyId]);

    const identity = await generateX25519Identity();
    await Deno.writeTextFile(join(box.dir, "key.txt"), identity + "\n");
    const out = join(box.dir, "handed-over.ogg.age");
    const exp = await selrec(box, [
      "recordings",
      "export",
      sealed.id,
      "--age-recipient",
      await identityToRecipient(identity),
      "--out",
      out,
      "--reason",
      "subject access request 42",
    ]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const opened = await new Deno.Command("age", {
      args: ["-d", "-i", join(box.dir, "key.txt"), out],
      stdout: "piped",
    }).output();
    assert.deepEqual(opened.stdout, audio);
    const audit = box.store.raw.prepare(
      "SELECT action, recording_id, reason_text, details FROM audit_events ORDER BY seq",
    ).all().map((a) => ({ ...a }));
    const row = audit.find((a) => a.action === "recording.export")!;
    assert.equal(row.recording_id, sealed.id);
    assert.equal(row.reason_text, "subject access request 42");
    assert.equal(JSON.parse(row.details as string).encryption, "age");
    assert.ok(audit.some((a) => a.action === "keys.rotate"));
    assert.ok(audit.some((a) => a.action === "keys.retire"));
  },
});
