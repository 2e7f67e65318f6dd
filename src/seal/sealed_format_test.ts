import assert from "node:assert/strict";
import fc from "fast-check";
import { IntegrityError } from "./integrity_error.ts";
import {
  CHUNK_OVERHEAD,
  HEADER_BYTES,
  isSealed,
  openBytes,
  parseHeader,
  readRecordHead,
  sealBytes,
  type SealKey,
} from "./sealed_format.ts";
import { openSealedFile } from "./sealed_reader.ts";
import { scanSealed } from "./sealed_scan.ts";

function testKey(seed = 1): SealKey {
  const dataKey = new Uint8Array(32).map((_, i) => (i * 7 + seed) & 0xff);
  return { keyId: "kek-test", wrappedKey: new Uint8Array(60).fill(seed), dataKey };
}

/** File offsets of every chunk record of a sealed buffer. */
function recordOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = HEADER_BYTES;;) {
    const { flag, length } = readRecordHead(bytes.subarray(at, at + 4), "t");
    out.push(at);
    at += length + CHUNK_OVERHEAD;
    if (flag === 1) return out;
  }
}

const plaintexts = fc.uint8Array({ minLength: 0, maxLength: 3000 });
const chunkSizes = fc.integer({ min: 1, max: 700 });

Deno.test("sealBytes() then openBytes() gives back the plaintext for any size and chunk size", () => {
  const key = testKey();
  fc.assert(
    fc.property(plaintexts, chunkSizes, (pt, chunk) => {
      const sealed = sealBytes(key, pt, chunk);
      assert.ok(isSealed(sealed));
      assert.deepEqual(openBytes(sealed, key.dataKey, "t"), pt);
    }),
    { numRuns: 200 },
  );
});

Deno.test({
  name: "a decrypted range equals the plaintext slice, for random ranges and chunk sizes",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const key = testKey();
    const unwrap = () => Promise.resolve(key.dataKey);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 4000 }),
        chunkSizes,
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        async (pt, chunk, ranges) => {
          const path = `${dir}/f.sealed`;
          await Deno.writeFile(path, sealBytes(key, pt, chunk));
          using r = await openSealedFile(path, unwrap);
          assert.equal(r.plaintextSize, pt.length);
          for (const [a, b] of ranges) {
            const s = a % (pt.length + 1), e = s + b % (pt.length - s + 1);
            assert.deepEqual(await r.readRange(s, e), pt.subarray(s, e));
          }
        },
      ),
      { numRuns: 100 },
    );
    await Deno.remove(dir, { recursive: true });
  },
});

/** Every way of opening a whole file must refuse `bytes` with an IntegrityError. */
async function assertRefused(bytes: Uint8Array, key: SealKey, dir: string): Promise<void> {
  assert.throws(() => openBytes(bytes, key.dataKey, "t"), IntegrityError);
  const path = `${dir}/bad.sealed`;
  await Deno.writeFile(path, bytes);
  const unwrap = () => Promise.resolve(key.dataKey);
  let opened;
  try {
    opened = await openSealedFile(path, unwrap);
  } catch (err) {
    assert.ok(err instanceof IntegrityError, String(err));
    return;
  }
  using r = opened;
  // The index may still look right: then reading everything must fail.
  await assert.rejects(r.readRange(0, r.plaintextSize), IntegrityError);
}

Deno.test({
  name: "any bit flip, truncation, chunk swap or header change is an IntegrityError",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const key = testKey();
    const sealedArb = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 2000 }), chunkSizes)
      .map(([pt, chunk]) => sealBytes(key, pt, chunk));
    // A bit flip anywhere except the key slot (that one fails unwrapping: keyring_test).
    await fc.assert(
      fc.asyncProperty(sealedArb, fc.nat(), fc.integer({ min: 0, max: 7 }), async (s, at, bit) => {
        const bad = s.slice();
        let i = at % bad.length;
        if (i >= 24 && i < HEADER_BYTES) i = i % 24;
        bad[i] ^= 1 << bit;
        await assertRefused(bad, key, dir);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(sealedArb, fc.nat(), async (s, cut) => {
        await assertRefused(s.subarray(0, cut % s.length), key, dir);
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 50, maxLength: 2000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        async (pt, chunk, pick) => {
          // Equal-length chunks swapped: the file size and index stay the same.
          const s = sealBytes(key, pt, chunk);
          const offs = recordOffsets(s).slice(0, -1);
          if (offs.length < 2) return;
          const i = pick % (offs.length - 1);
          const len = chunk + CHUNK_OVERHEAD;
          const bad = s.slice();
          bad.set(s.subarray(offs[i + 1], offs[i + 1] + len), offs[i]);
          bad.set(s.subarray(offs[i], offs[i] + len), offs[i + 1]);
          await assertRefused(bad, key, dir);
        },
      ),
      { numRuns: 100 },
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("a chunk from another file with the same key, or the same file's other copy, is refused", () => {
  const key = testKey();
  const pt = new Uint8Array(100).fill(9);
  const a = sealBytes(key, pt, 30), b = sealBytes(key, pt, 30);
  const mixed = a.slice();
  mixed.set(b.subarray(HEADER_BYTES, HEADER_BYTES + 50), HEADER_BYTES);
  assert.throws(() => openBytes(mixed, key.dataKey, "t"), IntegrityError);
  assert.throws(() => openBytes(a, testKey(2).dataKey, "t"), IntegrityError);
});

Deno.test("parseHeader() names the file and refuses a wrong magic or version", () => {
  const s = sealBytes(testKey(), new Uint8Array(10), 16);
  assert.equal(parseHeader(s, "x").keyId, "kek-test");
  const v = s.slice();
  v[8] = 2;
  assert.throws(() => parseHeader(v, "/spool/a.ogg"), /\/spool\/a\.ogg: recording failed/);
  assert.equal(isSealed(new TextEncoder().encode("OggS\0\x02")), false);
});

Deno.test("scanSealed() keeps the whole chunks of a file cut mid-chunk", () => {
  const key = testKey();
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 1500 }),
      chunkSizes,
      fc.nat(),
      (pt, chunk, cut) => {
        const s = sealBytes(key, pt, chunk);
        const end = HEADER_BYTES + cut % (s.length - HEADER_BYTES);
        const scan = scanSealed(s.subarray(0, end), key.dataKey, "t", { plaintext: true });
        assert.ok(
          scan.finished || end - scan.end < chunk + CHUNK_OVERHEAD,
          "one torn chunk at most",
        );
        assert.deepEqual(scan.plaintext, pt.subarray(0, scan.plaintextBytes));
      },
    ),
    { numRuns: 200 },
  );
});
