import assert from "node:assert/strict";
import fc from "fast-check";
import { ChunkSealer } from "./chunk_sealer.ts";
import {
  ChunkCipher,
  concat,
  FLAG_MIDDLE,
  openBytes,
  parseHeader,
  type SealKey,
} from "./sealed_format.ts";

const key: SealKey = {
  keyId: "kek-test",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
};

Deno.test("sealBufferedAsync() makes the record the sync path makes at the same place", async () => {
  const sealer = new ChunkSealer(key, { chunkBytes: 64 });
  const first = new Uint8Array(40).map((_, i) => i * 7);
  const second = new Uint8Array(64).map((_, i) => 255 - i);
  const cipher = new ChunkCipher(parseHeader(sealer.header, "t"), key.dataKey);
  assert.equal(sealer.fill(first), 40);
  const a = await sealer.sealBufferedAsync();
  assert.deepEqual(a, cipher.seal({ index: 0, ptOffset: 0, flag: FLAG_MIDDLE }, first));
  assert.equal(sealer.fill(concat([second, second])), 64, "fill takes only the room left");
  assert.equal(sealer.room, 0);
  const b = await sealer.sealBufferedAsync();
  assert.deepEqual(b, cipher.seal({ index: 1, ptOffset: 40, flag: FLAG_MIDDLE }, second));
  assert.equal(await sealer.sealBufferedAsync(), null, "nothing buffered, nothing sealed");
  assert.equal(sealer.sealedBytes, 104);
});

Deno.test("a file sealed through any mix of push, flush, fill and sealBufferedAsync opens to its plaintext", async () => {
  const step = fc.record({
    bytes: fc.uint8Array({ maxLength: 400 }),
    how: fc.constantFrom("push", "async", "flush"),
  });
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.array(step), async (chunk, steps) => {
      const sealer = new ChunkSealer(key, { chunkBytes: chunk });
      const parts = [sealer.header];
      for (const s of steps) {
        if (s.how === "flush") parts.push(...sealer.push(s.bytes), ...sealer.flush());
        else if (s.how === "push") parts.push(...sealer.push(s.bytes));
        else {
          // Later fills reuse the buffer before earlier seals resolve: each holds a copy.
          const pending: Promise<Uint8Array | null>[] = [];
          for (let o = 0; o < s.bytes.length;) {
            o += sealer.fill(s.bytes.subarray(o));
            pending.push(sealer.sealBufferedAsync());
          }
          for (const record of await Promise.all(pending)) if (record) parts.push(record);
        }
      }
      parts.push(...sealer.finish());
      const plain = concat(steps.map((s) => s.bytes));
      assert.deepEqual(openBytes(concat(parts), key.dataKey, "t"), plain);
    }),
    { numRuns: 150 },
  );
});
