/**
 * SrtpCmContext against the RFCs with no libsrtp in the process: the RFC 3711 B.3 key
 * derivation vectors, packets protected by a reference written from RFC 3711 §3.1, §4.1.1
 * and §4.2 with node:crypto (srtp_cm_test_util.ts), and the header parser on random bytes. The oracle test
 * against libsrtp is srtp_cm_oracle_test.ts (its own process).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  deriveSrtpKey,
  SRTP_CM_TAG_BYTES,
  SrtpCmContext,
  type SrtpCmProfileName,
  srtpHeaderLength,
} from "./srtp_cm.ts";
import {
  hex,
  KEY_SALT,
  MASTER_KEY,
  MASTER_SALT,
  referenceProtect as reference,
  rtpPacket as rtp,
  toHex,
} from "./srtp_cm_test_util.ts";
import {
  SRTP_AUTH_FAIL,
  SRTP_BAD_PARAM,
  SRTP_OK,
  SRTP_PARSE_ERR,
  SRTP_REPLAY_FAIL,
} from "./srtp_status.ts";

Deno.test("deriveSrtpKey gives the RFC 3711 B.3 session keys", () => {
  assert.equal(
    toHex(deriveSrtpKey(MASTER_KEY, MASTER_SALT, 0, 16)),
    "c61e7a93744f39ee10734afe3ff7a087",
  );
  assert.equal(
    toHex(deriveSrtpKey(MASTER_KEY, MASTER_SALT, 2, 14)),
    "30cbbc08863d8c85d49db34a9ae1",
  );
  assert.equal(
    toHex(deriveSrtpKey(MASTER_KEY, MASTER_SALT, 1, 20)),
    "cebe321f6ff7716b6fd4ab49af256a156d38baa4",
  );
});

for (const profile of Object.keys(SRTP_CM_TAG_BYTES) as SrtpCmProfileName[]) {
  Deno.test(`SrtpCmContext ${profile}: reference packets decrypt, tampered and replayed ones do not`, () => {
    const rx = new SrtpCmContext(profile, KEY_SALT);
    const payload = Uint8Array.from({ length: 160 }, (_, i) => i * 7);
    const plain = rtp(0x1234, 0xcafebabe, payload);
    const wire = reference(profile, plain, 12, 0);
    const tampered = wire.slice();
    tampered[100] ^= 0x10;
    assert.equal(rx.unprotect(tampered, tampered.length), SRTP_AUTH_FAIL);
    assert.equal(rx.length, wire.length);
    const buf = wire.slice();
    assert.equal(rx.unprotect(buf, buf.length), SRTP_OK);
    assert.equal(rx.length, plain.length);
    assert.deepEqual(buf.subarray(0, rx.length), plain);
    assert.equal(rx.unprotect(wire.slice(), wire.length), SRTP_REPLAY_FAIL);
    rx.close();
  });
}

Deno.test("SrtpCmContext decrypts after CSRCs and a header extension, and follows the ROC", () => {
  const rx = new SrtpCmContext("AES_CM_128_HMAC_SHA1_80", KEY_SALT);
  // CC = 1 and X: one CSRC, then extension profile 0xbede with 2 words.
  const prefix = hex("11223344 bede0002 0102030405060708");
  let roc = 0;
  for (const seq of [65_534, 65_535, 0, 1, 65_533, 2]) {
    const payload = Uint8Array.from({ length: 33 }, (_, i) => seq + i);
    const plain = rtp(seq, 42, payload, prefix);
    plain[0] = 0x91;
    const sent = seq === 0 ? ++roc : seq === 65_533 ? roc - 1 : roc;
    const wire = reference("AES_CM_128_HMAC_SHA1_80", plain, 12 + prefix.length, sent);
    const buf = wire.slice();
    assert.equal(rx.unprotect(buf, buf.length), SRTP_OK, `seq ${seq}`);
    assert.deepEqual(buf.subarray(0, rx.length), plain);
  }
});

Deno.test("SrtpCmContext refuses a key of the wrong size and a suite it does not implement", () => {
  assert.throws(() => new SrtpCmContext("AES_CM_128_HMAC_SHA1_80", new Uint8Array(46)), /46 bytes/);
  assert.throws(
    () => new SrtpCmContext("AEAD_AES_128_GCM" as SrtpCmProfileName, KEY_SALT),
    /AEAD_AES_128_GCM/,
  );
});

Deno.test("srtpHeaderLength and unprotect never throw on random bytes; short headers are bad_param", () => {
  const rx = new SrtpCmContext("AES_CM_128_HMAC_SHA1_32", KEY_SALT);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.nat(130), (bytes, len) => {
      const n = srtpHeaderLength(bytes, len);
      assert.ok(n === -SRTP_BAD_PARAM || (n >= 12 && n <= len && len <= bytes.length));
      const status = rx.unprotect(bytes.slice(), len);
      assert.ok(status !== SRTP_OK, `status ${status}`);
      if (n < 0) assert.equal(status, SRTP_BAD_PARAM);
    }),
    { numRuns: 2000 },
  );
  assert.equal(rx.streams, 0, "nothing unauthenticated created a stream");
  assert.equal(srtpHeaderLength(hex("80000001 00000000 00000001"), 12), 12);
  assert.equal(rx.unprotect(hex("80000001 00000000 00000001 aabbcc"), 15), SRTP_PARSE_ERR);
  assert.equal(
    srtpHeaderLength(hex("90000001 00000000 00000001 bede0001"), 16),
    -SRTP_BAD_PARAM,
  );
});
