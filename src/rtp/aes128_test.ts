import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { Aes128, aesCmXor } from "./aes128.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("Aes128 encrypts the FIPS-197 Appendix B example", () => {
  const aes = new Aes128(hex("2b7e151628aed2a6abf7158809cf4f3c"));
  assert.equal(
    toHex(aes.encrypt(hex("3243f6a8885a308d313198a2e0370734"))),
    "3925841d02dc09fbdc118597196a0b32",
  );
});

Deno.test("Aes128 encrypts the FIPS-197 Appendix C.1 AES-128 vector", () => {
  const aes = new Aes128(hex("000102030405060708090a0b0c0d0e0f"));
  assert.equal(
    toHex(aes.encrypt(hex("00112233445566778899aabbccddeeff"))),
    "69c4e0d86a7b0430d8cdb78070b4c55a",
  );
});

Deno.test("Aes128 matches node:crypto AES-128-ECB for random keys and blocks", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (key, block) => {
        const c = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
        assert.equal(toHex(new Aes128(key).encrypt(block)), toHex(new Uint8Array(c.update(block))));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("Aes128 refuses a key that is not 16 bytes, naming its length", () => {
  assert.throws(() => new Aes128(new Uint8Array(24)), /24 bytes, not 16/);
});

Deno.test("aesCmXor produces the RFC 3711 B.2 keystream (blocks 0..2 and FEFF..FF01)", () => {
  const aes = new Aes128(hex("2b7e151628aed2a6abf7158809cf4f3c"));
  const iv = new Int32Array([0xf0f1f2f3, 0xf4f5f6f7, 0xf8f9fafb, 0xfcfd0000]);
  const out = new Uint8Array(65536 * 16);
  aesCmXor(aes, iv, out, 0, out.length);
  assert.equal(
    toHex(out.subarray(0, 48)),
    "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0",
  );
  assert.equal(
    toHex(out.subarray(0xfeff * 16, 0xff02 * 16)),
    "ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae6a2cc3787889374fbeb4c81b17ba6c44",
  );
});

Deno.test("aesCmXor over any range equals node:crypto AES-128-CTR from the same IV", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 14, maxLength: 14 }),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.nat(20),
      (key, ivHead, data, start) => {
        const ivBytes = new Uint8Array(16);
        ivBytes.set(ivHead);
        const iv = new Int32Array(4);
        for (let i = 0; i < 16; i++) iv[i >> 2] |= ivBytes[i] << (24 - 8 * (i & 3));
        const buf = new Uint8Array(start + data.length);
        buf.set(data, start);
        aesCmXor(new Aes128(key), iv, buf, start, buf.length);
        const c = createCipheriv("aes-128-ctr", key, ivBytes);
        assert.equal(toHex(buf.subarray(start)), toHex(new Uint8Array(c.update(data))));
      },
    ),
    { numRuns: 300 },
  );
});
