import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { IntegrityError, openRecordingBytes, VerdictCache } from "./recording_bytes.ts";
import { HEADER_BYTES, sealBytes } from "../seal/sealed_format.ts";
import { wrapDataKey } from "../seal/keyring.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const CHUNK = 4096;

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65_536) crypto.getRandomValues(out.subarray(o, o + 65_536));
  return out;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function withSealed(
  fn: (o: {
    path: string;
    plain: Uint8Array;
    sealed: Uint8Array;
    unwrapFor: () => () => Promise<Uint8Array>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const plain = random(100_000);
    const dataKey = random(32);
    const kek = random(32);
    const sealed = sealBytes(
      { keyId: "k1", dataKey, wrappedKey: wrapDataKey(kek, "k1", dataKey) },
      plain,
      CHUNK,
    );
    const path = join(dir, "r.ogg");
    await Deno.writeFile(path, sealed);
    await fn({ path, plain, sealed, unwrapFor: () => () => Promise.resolve(dataKey) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a sealed recording reads back as its plaintext, by range and streamed", FS, async () => {
  await withSealed(async ({ path, plain, sealed, unwrapFor }) => {
    const rec = { id: "r", sha256: sha(sealed), sealed: 1 };
    const rb = await openRecordingBytes(rec, path, { unwrapFor, verdicts: new VerdictCache() });
    assert.equal(rb.size, plain.length);
    assert.deepEqual(await rb.readRange(5000, 13_000), plain.subarray(5000, 13_000));
    const streamed = new Uint8Array(await new Response(rb.stream(1, 99_999)).arrayBuffer());
    assert.deepEqual(streamed, plain.subarray(1, 99_999));
    assert.deepEqual(await rb.readAll(), plain);
  });
});

Deno.test("a sealed file changed on disk is refused by its digest", FS, async () => {
  await withSealed(async ({ path, sealed, unwrapFor }) => {
    const rec = { id: "r", sha256: sha(sealed), sealed: 1 };
    const bad = sealed.slice();
    bad[HEADER_BYTES + 10 * (CHUNK + 20) + 7] ^= 0x80;
    await Deno.writeFile(path, bad);
    await assert.rejects(() => openRecordingBytes(rec, path, { unwrapFor }), IntegrityError);
  });
});

Deno.test(
  "chunk authentication alone keeps a changed chunk's bytes from going out",
  FS,
  async () => {
    await withSealed(async ({ path, plain, sealed, unwrapFor }) => {
      // The stored digest matches the changed file (as if the row were changed too): only
      // the chunk authentication stands between the bytes and the reader.
      const bad = sealed.slice();
      const chunk = 10;
      bad[HEADER_BYTES + chunk * (CHUNK + 20) + 30] ^= 0x01;
      await Deno.writeFile(path, bad);
      const rb = await openRecordingBytes({ id: "r", sha256: sha(bad), sealed: 1 }, path, {
        unwrapFor,
      });
      assert.deepEqual(await rb.readRange(0, CHUNK * chunk), plain.subarray(0, CHUNK * chunk));
      await assert.rejects(
        () => rb.readRange(CHUNK * chunk + 5, CHUNK * chunk + 6),
        IntegrityError,
      );
      const reader = rb.stream(0, plain.length).getReader();
      let got = 0;
      await assert.rejects(async () => {
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          got += r.value.length;
        }
      }, IntegrityError);
      assert.ok(got <= CHUNK * chunk, `only authenticated chunks were streamed (${got} bytes)`);
      await assert.rejects(() => rb.readAll(), IntegrityError);
    });
  },
);

Deno.test("a sealed recording cannot be read without a keyring", FS, async () => {
  await withSealed(async ({ path, sealed }) => {
    await assert.rejects(
      () => openRecordingBytes({ id: "r", sha256: sha(sealed), sealed: 1 }, path),
      /sealed and no keyring/,
    );
  });
});
