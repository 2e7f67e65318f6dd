import assert from "node:assert/strict";
import fc from "fast-check";
import { SipParseError } from "./message.ts";
import {
  answerCrypto,
  chooseCrypto,
  type CryptoAttribute,
  parseCrypto,
  redactSdpKeys,
  serializeCrypto,
  SrtpKeys,
} from "./sdp_crypto.ts";

// RFC 4568 §9.1 examples.
const KEY30 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
const KEY40 = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

Deno.test("parseCrypto() reads tag, suite, key, lifetime, MKI and session params", () => {
  const c = parseCrypto(
    `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20|1:4;inline:${KEY40}|2^20|2:4 FEC_ORDER=FEC_SRTP`,
  );
  assert.deepEqual(c, {
    tag: 1,
    suite: "AES_CM_128_HMAC_SHA1_80",
    keys: [
      { keySalt: KEY30, lifetime: "2^20", mki: { value: "1", length: 4 } },
      { keySalt: KEY40, lifetime: "2^20", mki: { value: "2", length: 4 } },
    ],
    sessionParams: ["FEC_ORDER=FEC_SRTP"],
  });
  assert.deepEqual(parseCrypto(`2 AEAD_AES_128_GCM inline:${KEY30}|5:1`).keys[0], {
    keySalt: KEY30,
    lifetime: null,
    mki: { value: "5", length: 1 },
  });
});

Deno.test("parseCrypto() refuses a bad tag, key method, key or MKI", () => {
  for (
    const v of [
      "x AES_CM_128_HMAC_SHA1_80 inline:AAAA",
      "1 AES_CM_128_HMAC_SHA1_80 uri:sip:x",
      "1 AES_CM_128_HMAC_SHA1_80 inline:$$$$",
      "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA|2^20|1:0",
      "1 AES_CM_128_HMAC_SHA1_80",
    ]
  ) assert.throws(() => parseCrypto(v), SipParseError, v);
});

Deno.test("chooseCrypto() takes the first usable line and skips unsupported ones", () => {
  const key28 = btoa(String.fromCharCode(...new Uint8Array(28).fill(7)));
  const chosen = chooseCrypto([
    `1 AES_256_CM_HMAC_SHA1_80 inline:${KEY40}`,
    `2 AES_CM_128_HMAC_SHA1_80 inline:${KEY30} UNENCRYPTED_SRTP`,
    `3 AES_CM_128_HMAC_SHA1_32 inline:${KEY30}|2^20|1:4`,
    `4 AEAD_AES_128_GCM inline:${KEY30}`, // 30 bytes: wrong length for GCM-128
    `5 AEAD_AES_128_GCM inline:${key28}`,
  ]);
  assert.equal(chosen?.tag, 5);
  assert.equal(chosen?.remote.suite, "AEAD_AES_128_GCM");
  assert.deepEqual(chosen?.remote.keySalt(), new Uint8Array(28).fill(7));
  assert.equal(chooseCrypto([`1 F8_128_HMAC_SHA1_80 inline:${KEY30}`]), null);
});

Deno.test("answerCrypto() answers the offer's tag and suite with a fresh key", () => {
  const chosen = chooseCrypto([`7 AES_CM_128_HMAC_SHA1_32 inline:${KEY30}`])!;
  const a = parseCrypto(answerCrypto(chosen));
  const b = parseCrypto(answerCrypto(chosen));
  assert.equal(a.tag, 7);
  assert.equal(a.suite, "AES_CM_128_HMAC_SHA1_32");
  assert.equal(atob(a.keys[0].keySalt).length, 30);
  assert.notEqual(a.keys[0].keySalt, KEY30);
  assert.notEqual(a.keys[0].keySalt, b.keys[0].keySalt);
});

Deno.test("SrtpKeys never shows its key in JSON, inspection or a structured clone", () => {
  const keys = new SrtpKeys("AES_CM_128_HMAC_SHA1_80", new Uint8Array(30).fill(0xab));
  const shown = [
    JSON.stringify({ keys }),
    Deno.inspect(keys),
    JSON.stringify(structuredClone(keys)),
  ];
  for (const s of shown) assert.ok(!/171|ab|q6ur/i.test(s.replace(/AES_CM|SHA1/g, "")), s);
  assert.throws(() => new SrtpKeys("AEAD_AES_256_GCM", new Uint8Array(30)), RangeError);
});

Deno.test("redactSdpKeys() hides every inline key and keeps the rest", () => {
  const sdp = `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY30}|2^20|1:4\r\n` +
    `a=crypto:2 AEAD_AES_128_GCM INLINE:${KEY40};inline:${KEY30}\r\n`;
  const out = redactSdpKeys(sdp);
  assert.ok(!out.includes(KEY30) && !out.includes(KEY40));
  assert.match(out, /inline:<redacted>\|2\^20\|1:4/);
});

const b64 = fc.uint8Array({ minLength: 1, maxLength: 48 }).map((b) =>
  btoa(String.fromCharCode(...b))
);
const attribute: fc.Arbitrary<CryptoAttribute> = fc.record({
  tag: fc.integer({ min: 0, max: 999_999_999 }),
  suite: fc.stringMatching(/^[A-Z0-9_]{1,30}$/),
  keys: fc.array(
    fc.record({
      keySalt: b64,
      lifetime: fc.option(fc.stringMatching(/^(2\^)?\d{1,6}$/), { nil: null }),
      mki: fc.option(
        fc.record({
          value: fc.stringMatching(/^\d{1,6}$/),
          length: fc.integer({ min: 1, max: 128 }),
        })
          .map((m) => ({ ...m })),
        { nil: null },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  sessionParams: fc.array(fc.stringMatching(/^[A-Z_=0-9]{1,12}$/), { maxLength: 3 }),
});

Deno.test("parseCrypto() property: what serializes parses back equal", () => {
  fc.assert(fc.property(attribute, (c) => {
    const plain = { ...c, keys: c.keys.map((k) => ({ ...k })) };
    assert.deepEqual(parseCrypto(serializeCrypto(c)), plain);
  }));
});

Deno.test("parseCrypto() property: never throws anything but a parse error; what parses re-serializes", () => {
  const text = fc.oneof(
    fc.string(),
    attribute.map(serializeCrypto).chain((s) =>
      fc.integer({ min: 0, max: s.length }).chain((i) =>
        fc.string({ maxLength: 3 }).map((x) => s.slice(0, i) + x + s.slice(i + 1))
      )
    ),
  );
  fc.assert(
    fc.property(text, (s) => {
      let c: CryptoAttribute;
      try {
        c = parseCrypto(s);
      } catch (e) {
        assert.ok(e instanceof SipParseError, String(e));
        return;
      }
      assert.deepEqual(parseCrypto(serializeCrypto(c)), c);
      assert.doesNotThrow(() => chooseCrypto([s]));
    }),
    { numRuns: 2000 },
  );
});
