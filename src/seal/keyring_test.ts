import assert from "node:assert/strict";
import { IntegrityError } from "./integrity_error.ts";
import { Keyring, KeyUnavailableError, unwrapDataKey, wrapDataKey } from "./keyring.ts";
import { HEADER_BYTES, openBytes, parseHeader, sealBytes } from "./sealed_format.ts";
import { writeKeySlot } from "./sealed_writer.ts";
import { openSealedFile } from "./sealed_reader.ts";

const kekA = crypto.getRandomValues(new Uint8Array(32));
const kekB = crypto.getRandomValues(new Uint8Array(32));

function ring(current = "kek-a") {
  const loads: string[] = [];
  const keyring = new Keyring({
    currentKeyId: current,
    load(id) {
      loads.push(id);
      if (id === "kek-a") return Promise.resolve(kekA);
      if (id === "kek-b") return Promise.resolve(kekB);
      return Promise.reject(new KeyUnavailableError(id, "no such key"));
    },
  });
  return { keyring, loads };
}

Deno.test("a wrapped data key opens only under its KEK and its key id", () => {
  const dk = crypto.getRandomValues(new Uint8Array(32));
  const w = wrapDataKey(kekA, "kek-a", dk);
  assert.deepEqual(unwrapDataKey(kekA, "kek-a", w, "f"), dk);
  assert.throws(() => unwrapDataKey(kekB, "kek-a", w, "f"), IntegrityError);
  assert.throws(() => unwrapDataKey(kekA, "kek-b", w, "f"), IntegrityError);
  const flipped = w.slice();
  flipped[20] ^= 4;
  assert.throws(() => unwrapDataKey(kekA, "kek-a", flipped, "/spool/x.ogg"), /\/spool\/x\.ogg/);
});

Deno.test("Keyring loads each KEK once, and a refusal is not cached", async () => {
  const { keyring, loads } = ring();
  const k1 = await keyring.newDataKey();
  const k2 = await keyring.newDataKey();
  assert.notDeepEqual(k1.dataKey, k2.dataKey);
  assert.deepEqual(await keyring.unwrap(k1, "f"), k1.dataKey);
  assert.deepEqual(loads, ["kek-a"]);
  await assert.rejects(keyring.kek("kek-x"), KeyUnavailableError);
  await assert.rejects(keyring.kek("kek-x"), KeyUnavailableError);
  assert.deepEqual(loads, ["kek-a", "kek-x", "kek-x"]);
});

Deno.test({
  name: "rotation re-wraps the data key in place: the file still opens, the audio is untouched",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { keyring } = ring();
    const key = await keyring.newDataKey();
    const pt = crypto.getRandomValues(new Uint8Array(5000));
    const sealed = sealBytes(key, pt, 1000);
    const dir = await Deno.makeTempDir();
    const path = `${dir}/r.ogg`;
    await Deno.writeFile(path, sealed);
    await writeKeySlot(path, await keyring.rewrap(key, path, "kek-b"));
    const after = await Deno.readFile(path);
    assert.deepEqual(
      after.subarray(HEADER_BYTES),
      sealed.subarray(HEADER_BYTES),
      "chunks untouched",
    );
    assert.equal(parseHeader(after, path).keyId, "kek-b");
    using r = await openSealedFile(path, keyring.unwrapFor(path));
    assert.deepEqual(await r.readRange(0, pt.length), pt);
    // Another file's valid slot yields a key that opens no chunk.
    const other = await keyring.newDataKey();
    await writeKeySlot(path, other);
    const dk = await keyring.unwrap(parseHeader(await Deno.readFile(path), path), path);
    assert.throws(() => openBytes(after, dk, path), IntegrityError);
    await Deno.remove(dir, { recursive: true });
  },
});
