import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRtpPacket, serializeRtpPacket } from "./packet.ts";

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

// PCMU, marker, seq 0x1234, ts 0x00000a0b, ssrc 0xdeadbeef, payload 4 bytes.
const SIMPLE = hex("80 80 1234 00000a0b deadbeef ff fe 7f 00");
// P, X, CC=2, PT 101, extension profile 0xbede len 1, padding 3 (last byte 03).
const FULL = hex(
  "b2 65 ffff ffffffff 00000001 11111111 22222222 bede0001 01020304 aa bb 00 00 03",
);

Deno.test("parseRtpPacket() reads every fixed header field", () => {
  const p = parseRtpPacket(SIMPLE);
  assert.equal(p.version, 2);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 0);
  assert.equal(p.sequenceNumber, 0x1234);
  assert.equal(p.timestamp, 0x0a0b);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual([...p.payload], [0xff, 0xfe, 0x7f, 0x00]);
  assert.equal(p.paddingLength, 0);
  assert.equal(p.extension, null);
});

Deno.test("parseRtpPacket() handles CSRC, extension and padding", () => {
  const p = parseRtpPacket(FULL);
  assert.equal(p.payloadType, 101);
  assert.equal(p.marker, false);
  assert.equal(p.sequenceNumber, 0xffff);
  assert.equal(p.timestamp, 0xffffffff);
  assert.deepEqual(p.csrc, [0x11111111, 0x22222222]);
  assert.equal(p.extension?.profile, 0xbede);
  assert.deepEqual([...p.extension!.data], [1, 2, 3, 4]);
  assert.deepEqual([...p.payload], [0xaa, 0xbb]);
  assert.equal(p.paddingLength, 3);
});

Deno.test("parseRtpPacket() returns a view of the payload, not a copy", () => {
  const buf = SIMPLE.slice();
  const p = parseRtpPacket(buf);
  buf[12] = 0x42;
  assert.equal(p.payload[0], 0x42);
  assert.equal(p.payload.buffer, buf.buffer);
});

Deno.test("parseRtpPacket() parses a subarray at a non-zero offset", () => {
  const big = new Uint8Array(SIMPLE.length + 7);
  big.set(SIMPLE, 7);
  assert.equal(parseRtpPacket(big.subarray(7)).ssrc, 0xdeadbeef);
});

Deno.test("parseRtpPacket() rejects a header shorter than 12 bytes", () => {
  assert.throws(() => parseRtpPacket(SIMPLE.subarray(0, 11)), RangeError);
});

Deno.test("parseRtpPacket() rejects version 1 and a zero padding count", () => {
  const v1 = SIMPLE.slice();
  v1[0] = 0x40;
  assert.throws(() => parseRtpPacket(v1), SyntaxError);
  const badPad = SIMPLE.slice();
  badPad[0] |= 0x20;
  badPad[badPad.length - 1] = 0;
  assert.throws(() => parseRtpPacket(badPad), SyntaxError);
});

Deno.test("parseRtpPacket() rejects truncated CSRC list and extension", () => {
  assert.throws(() => parseRtpPacket(FULL.subarray(0, 17)), RangeError);
  assert.throws(() => parseRtpPacket(FULL.subarray(0, 22)), RangeError);
  assert.throws(() => parseRtpPacket(FULL.subarray(0, 26)), RangeError);
});

Deno.test("serializeRtpPacket() round-trips the byte vectors exactly", () => {
  assert.deepEqual(serializeRtpPacket(parseRtpPacket(SIMPLE)), SIMPLE);
  assert.deepEqual(serializeRtpPacket(parseRtpPacket(FULL)), FULL);
});

Deno.test("serializeRtpPacket() rejects out-of-range fields", () => {
  const base = {
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    payload: new Uint8Array(),
  };
  assert.throws(() => serializeRtpPacket({ ...base, payloadType: 128 }), RangeError);
  assert.throws(() => serializeRtpPacket({ ...base, csrc: new Array(16).fill(1) }), RangeError);
  assert.throws(
    () => serializeRtpPacket({ ...base, extension: { profile: 1, data: new Uint8Array(3) } }),
    RangeError,
  );
});

Deno.test("parseRtpPacket() never throws anything but a parse error; what parses re-serializes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      let p;
      try {
        p = parseRtpPacket(bytes);
      } catch (e) {
        assert.ok(e instanceof RangeError || e instanceof SyntaxError, String(e));
        return;
      }
      const again = parseRtpPacket(serializeRtpPacket(p));
      assert.deepEqual(again, { ...p, payload: again.payload, extension: again.extension });
      assert.deepEqual([...again.payload], [...p.payload]);
      assert.deepEqual(
        again.extension && [...again.extension.data],
        p.extension && [...p.extension.data],
      );
    }),
    { numRuns: 3000, seed: 42 },
  );
});

Deno.test("serializeRtpPacket() output always parses back to the same fields", () => {
  fc.assert(
    fc.property(
      fc.record({
        payloadType: fc.integer({ min: 0, max: 127 }),
        sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
        timestamp: fc.nat({ max: 0xffffffff }),
        ssrc: fc.nat({ max: 0xffffffff }),
        marker: fc.boolean(),
        csrc: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
        paddingLength: fc.integer({ min: 0, max: 255 }),
        payload: fc.uint8Array({ maxLength: 64 }),
      }),
      (init) => {
        const p = parseRtpPacket(serializeRtpPacket(init));
        assert.equal(p.sequenceNumber, init.sequenceNumber);
        assert.equal(p.timestamp, init.timestamp);
        assert.equal(p.ssrc, init.ssrc);
        assert.equal(p.marker, init.marker);
        assert.deepEqual(p.csrc, init.csrc);
        assert.equal(p.paddingLength, init.paddingLength);
        assert.deepEqual([...p.payload], [...init.payload]);
      },
    ),
    { numRuns: 500, seed: 7 },
  );
});
