import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { HmacSha1, sha1 } from "./sha1.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const ascii = (s: string) => new TextEncoder().encode(s);

Deno.test("sha1() gives the RFC 3174 §7.3 test answers", () => {
  const cases: [Uint8Array, string][] = [
    [ascii("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d"],
    [
      ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    ],
    [ascii("a".repeat(1_000_000)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"],
    [
      ascii("01234567".repeat(80)),
      "dea356a2cddd90c7a7ecedc5ebb563934f460452",
    ],
  ];
  for (const [msg, digest] of cases) assert.equal(toHex(sha1(msg)), digest);
});

/** RFC 2202 §3 test cases 1–7 (key, data, HMAC-SHA1). */
const RFC2202: [Uint8Array, Uint8Array, string][] = [
  [hex("0b".repeat(20)), ascii("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"],
  [
    ascii("Jefe"),
    ascii("what do ya want for nothing?"),
    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
  ],
  [hex("aa".repeat(20)), hex("dd".repeat(50)), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"],
  [
    hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    hex("cd".repeat(50)),
    "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
  ],
  [hex("0c".repeat(20)), ascii("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"],
  [
    hex("aa".repeat(80)),
    ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    "aa4ae5e15272d00e95705637ce8a3b55ed402112",
  ],
  [
    hex("aa".repeat(80)),
    ascii("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
    "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
  ],
];

Deno.test("HmacSha1 gives the RFC 2202 HMAC-SHA1 test answers", () => {
  const out = new Uint8Array(20);
  for (const [key, data, mac] of RFC2202) {
    new HmacSha1(key).sign(data, data.length, out);
    assert.equal(toHex(out), mac);
  }
});

Deno.test("sha1() and HmacSha1 match node:crypto for every length across the padding edges", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 100 }),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.nat({ max: 0xffffffff }),
      (key, msg, suffix) => {
        assert.equal(toHex(sha1(msg)), createHash("sha1").update(msg).digest("hex"));
        const h = new HmacSha1(key), out = new Uint8Array(20);
        h.sign(msg, msg.length, out);
        assert.equal(toHex(out), createHmac("sha1", key).update(msg).digest("hex"));
        const tail = new Uint8Array([suffix >>> 24, suffix >>> 16, suffix >>> 8, suffix]);
        h.signWithSuffix(msg, msg.length, suffix | 0, out);
        assert.equal(toHex(out), createHmac("sha1", key).update(msg).update(tail).digest("hex"));
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("HmacSha1 signs only the first len bytes of a larger buffer", () => {
  const key = new Uint8Array(20).fill(7), buf = new Uint8Array(200).fill(0x5a);
  const out = new Uint8Array(20);
  for (const len of [0, 55, 56, 59, 60, 63, 64, 119, 120, 128]) {
    new HmacSha1(key).signWithSuffix(buf, len, 0x01020304, out);
    const want = createHmac("sha1", key).update(buf.subarray(0, len)).update(hex("01020304"));
    assert.equal(toHex(out), want.digest("hex"), `len ${len}`);
  }
});
