import assert from "node:assert/strict";
import { extendSeq, extendTimestamp, seqDiff, seqNewer, tsDiff, tsNewer } from "./seq.ts";

Deno.test("seqDiff() is signed across the 16-bit wrap", () => {
  assert.equal(seqDiff(1, 65535), 2);
  assert.equal(seqDiff(65535, 1), -2);
  assert.equal(seqDiff(100, 100), 0);
  assert.equal(seqDiff(0x8000 + 5, 5), -32768);
  assert.equal(seqNewer(0, 65535), true);
  assert.equal(seqNewer(65535, 0), false);
});

Deno.test("tsDiff() is signed across the 32-bit wrap", () => {
  assert.equal(tsDiff(80, 0xffffffb0), 160);
  assert.equal(tsDiff(0xffffffb0, 80), -160);
  assert.equal(tsNewer(10, 0xfffffff0), true);
});

Deno.test("extendSeq() counts cycles per RFC 3550 A.1", () => {
  assert.equal(extendSeq(65535, 0), 65536);
  assert.equal(extendSeq(65536 + 3, 65534), 65534);
  assert.equal(extendSeq(3 * 65536 + 10, 12), 3 * 65536 + 12);
  assert.equal(extendSeq(0, 65535), -1);
  assert.equal(extendSeq(-1, 0), 0);
});

Deno.test("extendTimestamp() unwraps past 2^32 and backwards", () => {
  assert.equal(extendTimestamp(0xffffff60, 0x40), 0x1_0000_0040);
  assert.equal(extendTimestamp(0x1_0000_0040, 0xffffff60), 0xffffff60);
  assert.equal(extendTimestamp(5 * 2 ** 32 + 100, 60), 5 * 2 ** 32 + 60);
  assert.equal(extendTimestamp(100, 0xffffffff), -1);
});
