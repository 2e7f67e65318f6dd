import assert from "node:assert/strict";
import fc from "fast-check";
import { ChunkSealer } from "./chunk_sealer.ts";
import { concat, openBytes, type SealKey } from "./sealed_format.ts";

const key: SealKey = {
  keyId: "kek-test",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
};

Deno.test("fill() takes only the room left in the chunk and seals nothing", () => {
  const sealer = new ChunkSealer(key, { chunkBytes: 64 });
  assert.equal(sealer.fill(new Uint8Array(40)), 40);
  assert.equal(sealer.room, 24);
  assert.equal(sealer.fill(new Uint8Array(100)), 24);
  assert.equal(sealer.room, 0);
  assert.equal(sealer.chunks, 0);
  assert.equal(sealer.flush().length, 1);
  assert.equal(sealer.room, 64);
  assert.equal(sealer.sealedBytes, 64);
});

Deno.test("a file sealed through any mix of push, fill and flush opens to its plaintext", () => {
  const step = fc.record({
    bytes: fc.uint8Array({ maxLength: 400 }),
    how: fc.constantFrom("push", "fill", "flush"),
  });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.array(step), (chunk, steps) => {
      const sealer = new ChunkSealer(key, { chunkBytes: chunk });
      const parts = [sealer.header];
      for (const s of steps) {
        if (s.how === "flush") parts.push(...sealer.push(s.bytes), ...sealer.flush());
        else if (s.how === "push") parts.push(...sealer.push(s.bytes));
        else {
          for (let o = 0; o < s.bytes.length;) {
            o += sealer.fill(s.bytes.subarray(o));
            if (sealer.room === 0) parts.push(...sealer.flush());
          }
        }
      }
      parts.push(...sealer.finish());
      const plain = concat(steps.map((s) => s.bytes));
      assert.deepEqual(openBytes(concat(parts), key.dataKey, "t"), plain);
    }),
    { numRuns: 200 },
  );
});
