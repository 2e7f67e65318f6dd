import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRtcpCompound, serializeSenderReport } from "./rtcp.ts";

const SR = {
  ssrc: 0x1234,
  ntpMs: Date.UTC(2024, 0, 2, 3, 4, 5, 250),
  rtpTimestamp: 160_000,
  packetCount: 1000,
  octetCount: 160_000,
};

Deno.test("parseRtcpCompound() reads an SR followed by SDES and BYE", () => {
  const sdes = Uint8Array.of(0x81, 202, 0, 2, 0, 0, 0x12, 0x34, 1, 2, 0x41, 0x42);
  const bye = Uint8Array.of(0x81, 203, 0, 1, 0, 0, 0x12, 0x34);
  const buf = new Uint8Array([...serializeSenderReport(SR), ...sdes, ...bye]);
  const r = parseRtcpCompound(buf);
  assert.equal(r.senderReports.length, 1);
  const sr = r.senderReports[0];
  assert.ok(Math.abs(sr.ntpMs - SR.ntpMs) < 0.001);
  assert.deepEqual({ ...sr, ntpMs: SR.ntpMs }, SR);
  assert.deepEqual(r.otherTypes, [202, 203]);
});

Deno.test("parseRtcpCompound() rejects truncation and a wrong version", () => {
  const sr = serializeSenderReport(SR);
  assert.throws(() => parseRtcpCompound(sr.subarray(0, 20)), RangeError);
  const v1 = sr.slice();
  v1[0] = 0x40;
  assert.throws(() => parseRtcpCompound(v1), SyntaxError);
});

Deno.test("parseRtcpCompound() never throws anything but a parse error", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        parseRtcpCompound(bytes);
      } catch (e) {
        assert.ok(e instanceof RangeError || e instanceof SyntaxError, String(e));
      }
    }),
    { numRuns: 2000, seed: 3 },
  );
});
