/**
 * SrtpCmSender with no libsrtp in the process: libsrtp's published known-answer packet
 * (test/srtp_driver.c srtp_validate, keyed with the RFC 3711 B.3 master key), the
 * node:crypto reference of srtp_cm_test_util.ts across a sequence wrap, refusals, and
 * round trips through SrtpCmContext with single bit flips (fast-check). The oracle test
 * against libsrtp's srtp_protect is srtp_cm_oracle_test.ts (its own process).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  SRTP_CM_TAG_BYTES,
  SrtpCmContext,
  type SrtpCmProfileName,
  srtpHeaderLength,
} from "./srtp_cm.ts";
import { SrtpCmSender } from "./srtp_cm_sender.ts";
import { SRTP_MAX_SSRCS } from "./srtp_replay.ts";
import { hex, KEY_SALT, referenceProtect, rtpPacket, toHex } from "./srtp_cm_test_util.ts";
import {
  SRTP_ALLOC_FAIL,
  SRTP_AUTH_FAIL,
  SRTP_BAD_PARAM,
  SRTP_NO_CTX,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
} from "./srtp_status.ts";

const SUITES = Object.keys(SRTP_CM_TAG_BYTES) as SrtpCmProfileName[];

/** Protects a copy of `plain` in a buffer with 16 spare bytes; returns status and bytes. */
function protect(tx: SrtpCmSender, plain: Uint8Array) {
  const buf = new Uint8Array(plain.length + 16);
  buf.set(plain);
  const status = tx.protect(buf, plain.length);
  return { status, wire: buf.slice(0, tx.length) };
}

// libsrtp test/srtp_driver.c, srtp_validate(): SSRC 0xcafebabe, SEQ 0x1234, ROC 0.
const KAT_PLAIN = hex("800f1234 decafbad cafebabe" + " abababab".repeat(4));
const KAT_SRTP_80 = "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb";

Deno.test("SrtpCmSender gives libsrtp's srtp_validate packet for both AES-CM suites", () => {
  for (const suite of SUITES) {
    const tx = new SrtpCmSender(suite, KEY_SALT);
    const { status, wire } = protect(tx, KAT_PLAIN);
    assert.equal(status, SRTP_OK);
    // _32 is the same packet with the HMAC cut to 4 bytes (libsrtp's srtp_sha1_32 vector).
    assert.equal(toHex(wire), KAT_SRTP_80.slice(0, 2 * (28 + SRTP_CM_TAG_BYTES[suite])));
    assert.equal(tx.tagBytes, SRTP_CM_TAG_BYTES[suite]);
    tx.close();
  }
});

Deno.test("SrtpCmSender increments the ROC when SEQ wraps, also across lost packets", () => {
  for (const suite of SUITES) {
    const tx = new SrtpCmSender(suite, KEY_SALT);
    // CC = 1 and X: one CSRC, then extension profile 0xbede with 2 words.
    const prefix = hex("11223344 bede0002 0102030405060708");
    // [SEQ, ROC]; the gaps are lost packets (never more than 2^15 ahead: a sender's order).
    const sent: [number, number][] = [[65_530, 0], [65_535, 0], [0, 1], [1, 1], [30_000, 1]];
    sent.push([60_000, 1], [3, 2], [30_000, 2], [62_000, 2], [7, 3]);
    for (const [seq, roc] of sent) {
      const plain = rtpPacket(
        seq,
        0x5eed,
        Uint8Array.from({ length: 41 }, (_, i) => seq + i),
        prefix,
      );
      plain[0] = 0x91;
      const { status, wire } = protect(tx, plain);
      assert.equal(status, SRTP_OK, `seq ${seq}`);
      assert.deepEqual(wire, referenceProtect(suite, plain, 12 + prefix.length, roc), `seq ${seq}`);
    }
    tx.close();
  }
});

Deno.test("SrtpCmSender refuses a used index, a short buffer, a bad header, a 17th SSRC and use after close, changing nothing", () => {
  const tx = new SrtpCmSender("AES_CM_128_HMAC_SHA1_80", KEY_SALT);
  const plain = rtpPacket(2000, 1, new Uint8Array(20).fill(9));
  assert.equal(protect(tx, plain).status, SRTP_OK);
  const refused = (status: number, buf: Uint8Array, len: number) => {
    const before = buf.slice();
    assert.equal(tx.protect(buf, len), status);
    assert.equal(tx.length, len);
    assert.deepEqual(buf, before, "bytes untouched");
  };
  const again = new Uint8Array(plain.length + 10);
  again.set(plain);
  refused(SRTP_REPLAY_FAIL, again, plain.length); // same (SSRC, index): same keystream
  const old = rtpPacket(2000 - 1024, 1, new Uint8Array(20)); // behind the 1024-packet window
  refused(SRTP_REPLAY_OLD, new Uint8Array([...old, ...new Uint8Array(10)]), old.length);
  const next = rtpPacket(2001, 1, new Uint8Array(20));
  refused(SRTP_BAD_PARAM, new Uint8Array([...next, ...new Uint8Array(9)]), next.length);
  refused(SRTP_BAD_PARAM, hex("90000065 00000000 00000001 bede0004 00000000"), 20);
  refused(SRTP_BAD_PARAM, next.slice(0, 11), 11);
  for (let ssrc = 2; ssrc <= SRTP_MAX_SSRCS; ssrc++) {
    assert.equal(protect(tx, rtpPacket(0, ssrc, new Uint8Array(4))).status, SRTP_OK);
  }
  const extra = rtpPacket(0, 0xffff, new Uint8Array(4));
  refused(SRTP_ALLOC_FAIL, new Uint8Array([...extra, ...new Uint8Array(10)]), extra.length);
  assert.equal(tx.streams, SRTP_MAX_SSRCS);
  assert.equal(protect(tx, next).status, SRTP_OK, "the first SSRC is still followed");
  tx.close();
  const late = rtpPacket(2002, 1, new Uint8Array(20));
  refused(SRTP_NO_CTX, new Uint8Array([...late, ...new Uint8Array(10)]), late.length);
});

/** A random RTP packet: CSRCs and a header extension now and then. */
const arbPacket = fc.record({
  cc: fc.integer({ min: 0, max: 3 }),
  ext: fc.option(fc.uint8Array({ maxLength: 12 }).map((b) => b.subarray(0, b.length & ~3))),
  marker: fc.boolean(),
  pt: fc.integer({ min: 0, max: 127 }),
  payload: fc.uint8Array({ maxLength: 300 }),
}).map(({ cc, ext, marker, pt, payload }) => {
  const prefix = new Uint8Array(4 * cc + (ext ? 4 + ext.length : 0));
  for (let i = 0; i < 4 * cc; i++) prefix[i] = i * 37;
  if (ext) prefix.set([0xbe, 0xde, 0, ext.length / 4, ...ext], 4 * cc);
  return { prefix, first: 0x80 | (ext ? 0x10 : 0) | cc, second: (marker ? 0x80 : 0) | pt, payload };
});

Deno.test("SrtpCmContext.unprotect(SrtpCmSender.protect(p)) is p; any single bit flip is refused", () => {
  let authFailures = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...SUITES),
      fc.uint8Array({ minLength: 30, maxLength: 30 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.nat(65_535),
      fc.array(fc.tuple(arbPacket, fc.integer({ min: 1, max: 300 }), fc.nat()), {
        minLength: 1,
        maxLength: 30,
      }),
      (suite, keySalt, ssrc, start, packets) => {
        const tx = new SrtpCmSender(suite, keySalt);
        const rx = new SrtpCmContext(suite, keySalt);
        let seq = start;
        for (const [{ prefix, first, second, payload }, step, bit] of packets) {
          const plain = rtpPacket(seq, ssrc, payload, prefix);
          plain[0] = first;
          plain[1] = second;
          const { status, wire } = protect(tx, plain);
          assert.equal(status, SRTP_OK);
          assert.equal(wire.length, plain.length + SRTP_CM_TAG_BYTES[suite]);
          const flipped = wire.slice();
          const at = bit % (wire.length * 8);
          flipped[at >> 3] ^= 1 << (at & 7);
          const bad = rx.unprotect(flipped, flipped.length);
          assert.notEqual(bad, SRTP_OK, `bit ${at} flipped passed`);
          if (at >> 3 >= srtpHeaderLength(plain, plain.length)) {
            assert.equal(bad, SRTP_AUTH_FAIL, `bit ${at}`);
          }
          if (bad === SRTP_AUTH_FAIL) authFailures++;
          const buf = wire.slice();
          assert.equal(rx.unprotect(buf, buf.length), SRTP_OK, `seq ${seq}`);
          assert.deepEqual(buf.subarray(0, rx.length), plain);
          seq = (seq + step) & 0xffff;
        }
        tx.close();
        rx.close();
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(authFailures > 1000, `auth failures ${authFailures}`);
});
