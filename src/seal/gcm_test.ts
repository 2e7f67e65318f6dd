import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultGcm, type Gcm, nodeGcm } from "./gcm.ts";
import { LIBCRYPTO_SONAME, loadOpenSslGcm } from "./gcm_openssl.ts";
import { aadOf, ChunkCipher, nonceOf } from "./chunk_cipher.ts";
import { fixedHeader, newHeader } from "./sealed_header.ts";
import { DEFAULT_INIT_FIRST, openSslExitBehaviour } from "../../tests/helpers/openssl_exit.ts";

const openssl = loadOpenSslGcm(nodeGcm);

const inputs = fc.record({
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  aad: fc.uint8Array({ minLength: 0, maxLength: 40 }),
  pt: fc.uint8Array({ minLength: 0, maxLength: 2000 }),
});

function sealWith(
  gcm: Gcm,
  i: { key: Uint8Array; iv: Uint8Array; aad: Uint8Array; pt: Uint8Array },
) {
  const ct = new Uint8Array(i.pt.length), tag = new Uint8Array(16);
  gcm.seal(i.key, i.iv, i.aad, i.pt, ct, tag);
  return { ct, tag };
}

Deno.test(`defaultGcm() is libcrypto when FFI is granted and ${LIBCRYPTO_SONAME} loads`, () => {
  assert.ok(openssl, `${LIBCRYPTO_SONAME} should load in this test run (-A, libssl3 installed)`);
  assert.equal(defaultGcm(), defaultGcm());
  assert.match(defaultGcm().name, /^OpenSSL 3/);
});

Deno.test("libcrypto and node:crypto seal the same bytes and open each other's", () => {
  fc.assert(
    fc.property(inputs, (i) => {
      const a = sealWith(openssl!, i), b = sealWith(nodeGcm, i);
      assert.deepEqual(a, b);
      for (const gcm of [openssl!, nodeGcm]) {
        const out = new Uint8Array(i.pt.length);
        assert.ok(gcm.open(i.key, i.iv, i.aad, a.ct, a.tag, out));
        assert.deepEqual(out, i.pt);
      }
    }),
  );
});

Deno.test("libcrypto refuses any flipped bit in ciphertext, tag, AAD or nonce, leaving no plaintext", () => {
  const flips = fc.tuple(
    fc.constantFrom("ct", "tag", "aad", "iv"),
    fc.nat(),
    fc.integer({ min: 0, max: 7 }),
  );
  fc.assert(
    fc.property(inputs, flips, (i, [where, at, bit]) => {
      const { ct, tag } = sealWith(nodeGcm, i);
      const parts: Record<string, Uint8Array> = { ct, tag, aad: i.aad, iv: i.iv };
      const target = parts[where];
      fc.pre(target.length > 0);
      target[at % target.length] ^= 1 << bit;
      for (const gcm of [openssl!, nodeGcm]) {
        const out = new Uint8Array(i.pt.length).fill(0xaa);
        assert.equal(gcm.open(i.key, parts.iv, parts.aad, ct, tag, out), false);
        if (gcm === openssl) assert.ok(out.every((b) => b === 0), "no plaintext left in out");
      }
    }),
  );
});

Deno.test("ChunkCipher makes the same records with libcrypto and node:crypto, and each opens them", () => {
  const key = {
    keyId: "kek-t",
    wrappedKey: new Uint8Array(60),
    dataKey: new Uint8Array(32).fill(9),
  };
  const header = newHeader(key, 4096);
  const fast = new ChunkCipher(header, key.dataKey, "t.ogg", openssl!);
  const slow = new ChunkCipher(header, key.dataKey, "t.ogg", nodeGcm);
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 4096 }),
      fc.nat(1000),
      fc.nat(1 << 30),
      (pt, index, ptOffset) => {
        const record = fast.seal({ index, ptOffset, flag: 0 }, pt);
        assert.deepEqual(record, slow.seal({ index, ptOffset, flag: 0 }, pt));
        assert.deepEqual(slow.open({ index, ptOffset }, record).plaintext, pt);
        const out = new Uint8Array(pt.length);
        assert.equal(fast.openInto({ index, ptOffset }, record, out), 0);
        assert.deepEqual(out, pt);
        assert.throws(
          () => fast.open({ index: index + 1, ptOffset }, record),
          /chunk \d+ failed authentication/,
        );
      },
    ),
  );
});

Deno.test("ChunkCipher seals under nonceOf() and aadOf() of the chunk, for counters and offsets past 2^32", () => {
  const key = {
    keyId: "kek-t",
    wrappedKey: new Uint8Array(60),
    dataKey: new Uint8Array(32).fill(5),
  };
  const header = newHeader(key, 512);
  const cipher = new ChunkCipher(header, key.dataKey, "t.ogg");
  const positions = fc.record({
    index: fc.nat(0xffff_ffff),
    ptOffset: fc.nat(Number.MAX_SAFE_INTEGER),
    flag: fc.constantFrom(0, 1),
  });
  fc.assert(
    fc.property(positions, fc.uint8Array({ maxLength: 512 }), (pos, pt) => {
      const record = cipher.seal(pos, pt);
      const ct = new Uint8Array(pt.length), tag = new Uint8Array(16);
      const aad = aadOf(fixedHeader(header), pos.ptOffset);
      nodeGcm.seal(key.dataKey, nonceOf(header, pos.index, pos.flag), aad, pt, ct, tag);
      assert.deepEqual(record.subarray(4), new Uint8Array([...ct, ...tag]));
    }),
  );
});

Deno.test("loading libcrypto for sealing turns off OpenSSL's cleanup at exit, which races other threads (openssl#6214)", async () => {
  const load = `const m = await import("${new URL("./gcm.ts", import.meta.url).href}");
if (!/^OpenSSL/.test(m.defaultGcm().name)) throw new Error("libcrypto not loaded");`;
  assert.equal(await openSslExitBehaviour(load), "no cleanup");
  // The check can fail: the same load after OpenSSL was initialised the default way.
  assert.equal(await openSslExitBehaviour(DEFAULT_INIT_FIRST + load), "cleanup at exit");
});
