import assert from "node:assert/strict";
import { IntegrityError } from "./integrity_error.ts";
import { fileAppender } from "./file_appender_test_util.ts";
import { openSealedFile, readSealedChunks } from "./sealed_reader.ts";
import type { SealKey } from "./sealed_format.ts";
import { recoverSealed, SealedAppender } from "./sealed_writer.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const key: SealKey = {
  keyId: "kek-test",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
};
const unwrap = () => Promise.resolve(key.dataKey);

function bytes(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);
}

Deno.test({
  ...opts,
  name: "SealedAppender seals full chunks at once, buffered bytes once the interval passes",
  async fn() {
    const dir = await Deno.makeTempDir();
    let t = 0;
    const out = await SealedAppender.over(await fileAppender(`${dir}/a.ogg`), {
      key,
      chunkBytes: 100,
      sealIntervalMs: 1000,
      now: () => t,
    });
    await out.append([bytes(250, 1)]);
    assert.equal(out.size, 200, "two full chunks sealed");
    assert.equal(out.pendingBytes, 50);
    t = 999;
    await out.syncIfDue();
    assert.equal(out.pendingBytes, 50, "not due yet");
    t = 1000;
    await out.syncIfDue();
    assert.equal(out.pendingBytes, 0, "a short chunk sealed on time");
    await out.append([bytes(30, 2)]);
    const done = await out.commit();
    using r = await openSealedFile(done.path, unwrap);
    assert.equal(r.plaintextSize, 280);
    assert.equal(r.chunkCount, 4, "100, 100, 50 (short), 30 (final)");
    assert.deepEqual(
      await r.readRange(0, 280),
      new Uint8Array([...bytes(250, 1), ...bytes(30, 2)]),
    );
    const whole = [];
    for await (const c of readSealedChunks(done.path, unwrap)) whole.push(...c);
    assert.equal(whole.length, 280);
    assert.equal((await Deno.stat(done.path)).size, done.bytes, "the hash is of sealed bytes");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "SealedAppender patches a head once (a WAV header fixed at finish) and refuses a second",
  async fn() {
    const dir = await Deno.makeTempDir();
    const out = await SealedAppender.over(await fileAppender(`${dir}/a.wav`), {
      key,
      chunkBytes: 64,
      sealIntervalMs: 0,
      headBytes: 44,
    });
    await out.append([new Uint8Array(44), bytes(500, 3)]);
    await out.patch(4, Uint8Array.of(1, 2, 3, 4));
    await out.patch(4, Uint8Array.of(1, 2, 3, 4));
    await assert.rejects(out.patch(4, Uint8Array.of(9)), /patched already/);
    await assert.rejects(out.patch(40, new Uint8Array(8)), /outside its sealed head/);
    const done = await out.commit();
    using r = await openSealedFile(done.path, unwrap);
    assert.deepEqual(await r.readRange(0, 10), Uint8Array.of(0, 0, 0, 0, 1, 2, 3, 4, 0, 0));
    assert.deepEqual(await r.readRange(44, 544), bytes(500, 3));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "recoverSealed() cuts a torn chunk, closes the file, and is idempotent",
  async fn() {
    const dir = await Deno.makeTempDir();
    const out = await SealedAppender.over(await fileAppender(`${dir}/a.ogg`), {
      key,
      chunkBytes: 100,
      sealIntervalMs: 0,
    });
    await out.append([bytes(350, 4)]);
    out.close();
    const partial = `${dir}/a.ogg.partial`;
    const { size } = await Deno.stat(partial);
    await Deno.truncate(partial, size - 7);
    await assert.rejects(openSealedFile(partial, unwrap), IntegrityError, "unfinished: refused");
    const r1 = await recoverSealed(partial, key.dataKey);
    assert.equal(r1.plaintextBytes, 300);
    assert.ok(r1.cutBytes > 0);
    const after = await Deno.readFile(partial);
    const r2 = await recoverSealed(partial, key.dataKey);
    assert.deepEqual({ ...r2, cutBytes: 0 }, { ...r1, cutBytes: 0 });
    assert.deepEqual(await Deno.readFile(partial), after, "a second run changes nothing");
    using r = await openSealedFile(partial, unwrap);
    assert.deepEqual(await r.readRange(0, 300), bytes(350, 4).subarray(0, 300));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "an unfinished file reads its whole chunks, and refresh() finds chunks written since",
  async fn() {
    const dir = await Deno.makeTempDir();
    const out = await SealedAppender.over(await fileAppender(`${dir}/j`), {
      key,
      chunkBytes: 100,
      sealIntervalMs: 0,
    });
    await out.append([bytes(120, 5)]);
    await out.flush();
    using r = await openSealedFile(`${dir}/j.partial`, unwrap, { unfinished: true });
    assert.equal(r.plaintextSize, 120);
    await out.append([bytes(80, 6)]);
    await out.flush();
    await r.refresh();
    assert.equal(r.plaintextSize, 200);
    assert.deepEqual(
      await r.readRange(110, 200),
      new Uint8Array([...bytes(120, 5).subarray(110), ...bytes(80, 6)]),
    );
    out.close();
    await Deno.remove(dir, { recursive: true });
  },
});
