import assert from "node:assert/strict";
import type { RtpPacket } from "./packet.ts";
import { StreamStats } from "./stream_stats.ts";

function pkt(seq: number, ts: number, pt = 0, ssrc = 1): RtpPacket {
  return {
    version: 2,
    marker: false,
    payloadType: pt,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc,
    csrc: [],
    extension: null,
    payload: new Uint8Array(4),
    paddingLength: 0,
  };
}

Deno.test("StreamStats counts expected, lost, duplicated and reordered across the wrap", () => {
  const s = new StreamStats({ clockRate: 8000 });
  const seqs = [65533, 65534, 0, 65535, 0, 2, 3];
  seqs.forEach((q, i) => s.observe(pkt(q, i * 160), 1000 + i * 20));
  const j = s.toJSON();
  assert.deepEqual(
    { r: j.received, e: j.expected, l: j.lost, d: j.duplicated, o: j.reordered },
    { r: 6, e: 7, l: 1, d: 1, o: 1 },
  );
  assert.equal(j.firstPacketMs, 1000);
  assert.equal(j.lastPacketMs, 1120);
});

Deno.test("StreamStats jitter is zero for perfect pacing and follows RFC 3550 A.8", () => {
  const s = new StreamStats({ clockRate: 8000 });
  for (let i = 0; i < 10; i++) s.observe(pkt(i, i * 160), i * 20);
  assert.equal(s.toJSON().jitter, 0);
  s.observe(pkt(10, 1600), 210); // 10 ms late = 80 timestamp units
  assert.equal(s.toJSON().jitter, 5);
  assert.equal(s.toJSON().jitterMs, 0.63);
});

Deno.test("StreamStats counts comfort noise and telephone events without reading digits", () => {
  const s = new StreamStats({ clockRate: 8000, telephoneEventPt: 101 });
  s.observe(pkt(1, 160, 13), 0);
  for (let i = 0; i < 4; i++) s.observe(pkt(2 + i, 320, 101), 20 + i * 20); // one event
  s.observe(pkt(6, 1120, 101), 100); // second event
  const j = s.toJSON();
  assert.equal(j.comfortNoise, 1);
  assert.equal(j.telephoneEvents, 2);
  assert.ok(!("digits" in j));
});

Deno.test("StreamStats keeps expected counts over an SSRC change", () => {
  const s = new StreamStats({ clockRate: 8000 });
  for (let i = 0; i < 5; i++) s.observe(pkt(100 + i, i * 160, 0, 1), i * 20);
  for (let i = 0; i < 5; i++) if (i !== 2) s.observe(pkt(9000 + i, i * 160, 0, 2), 100 + i * 20);
  const j = s.toJSON();
  assert.deepEqual({ e: j.expected, r: j.received, l: j.lost, c: j.ssrcChanges }, {
    e: 10,
    r: 9,
    l: 1,
    c: 1,
  });
});
