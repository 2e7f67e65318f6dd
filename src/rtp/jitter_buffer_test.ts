import assert from "node:assert/strict";
import fc from "fast-check";
import { JitterBuffer, type JitterOut } from "./jitter_buffer.ts";
import type { RtpPacket } from "./packet.ts";

function pkt(seq: number, ts: number, ssrc = 0xabc): RtpPacket {
  return {
    version: 2,
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc,
    csrc: [],
    extension: null,
    payload: new Uint8Array(160),
    paddingLength: 0,
  };
}

function summary(out: JitterOut[]): string[] {
  return out.map((o) => (o.kind === "packet" ? `p${o.seq}@${o.ts}` : `loss${o.seq}x${o.count}`));
}

Deno.test("JitterBuffer passes in-order packets straight through", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  assert.deepEqual(summary(jb.push(pkt(10, 1600), 0)), ["p10@1600"]);
  assert.deepEqual(summary(jb.push(pkt(11, 1760), 20)), ["p11@1760"]);
});

Deno.test("JitterBuffer reorders within the depth and counts reordering", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  jb.push(pkt(1, 160), 0);
  assert.deepEqual(summary(jb.push(pkt(3, 480), 40)), []);
  assert.deepEqual(summary(jb.push(pkt(2, 320), 45)), ["p2@320", "p3@480"]);
  assert.equal(jb.toJSON().reordered, 1);
  assert.equal(jb.toJSON().lost, 0);
});

Deno.test("JitterBuffer emits a loss gap once the hole waited depthMs", () => {
  const jb = new JitterBuffer({ clockRate: 8000, depthMs: 100 });
  jb.push(pkt(1, 160), 0);
  jb.push(pkt(4, 640), 60);
  assert.deepEqual(jb.poll(159), []);
  const out = jb.poll(160);
  assert.deepEqual(out[0], { kind: "loss", seq: 2, count: 2, fromTs: 160, toTs: 640 });
  assert.deepEqual(summary(out.slice(1)), ["p4@640"]);
  assert.deepEqual(summary(jb.push(pkt(2, 320), 170)), []);
  assert.deepEqual({ late: jb.toJSON().late, lost: jb.toJSON().lost }, { late: 1, lost: 2 });
});

Deno.test("JitterBuffer drops duplicates, held or already emitted", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  jb.push(pkt(1, 160), 0);
  jb.push(pkt(3, 480), 1);
  jb.push(pkt(3, 480), 2);
  jb.push(pkt(1, 160), 3);
  assert.deepEqual(summary(jb.push(pkt(2, 320), 4)), ["p2@320", "p3@480"]);
  assert.equal(jb.toJSON().duplicates, 2);
  assert.equal(jb.toJSON().emitted, 3);
});

Deno.test("JitterBuffer unwraps 16-bit sequence and 32-bit timestamp wrap together", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const out: JitterOut[] = [];
  const ts0 = 2 ** 32 - 320;
  for (let i = 0; i < 4; i++) out.push(...jb.push(pkt(65534 + i, ts0 + 160 * i), 20 * i));
  assert.deepEqual(summary(out), [
    `p65534@${ts0}`,
    `p65535@${ts0 + 160}`,
    `p65536@${2 ** 32}`,
    `p65537@${2 ** 32 + 160}`,
  ]);
});

Deno.test("JitterBuffer continues the timeline across an SSRC change", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  for (let i = 0; i < 5; i++) jb.push(pkt(100 + i, 1000 + 160 * i, 1), 20 * i);
  // New source 500 ms later with unrelated numbering.
  const out = jb.push(pkt(7, 999_999, 2), 80 + 500);
  assert.equal(out.length, 1);
  const first = out[0];
  assert.equal(first.kind, "packet");
  if (first.kind !== "packet") return;
  assert.equal(first.seq, 105);
  assert.equal(first.ts, 1000 + 160 * 4 + 4000);
  assert.equal(first.rebased, true);
  assert.deepEqual(summary(jb.push(pkt(8, 999_999 + 160, 2), 600)), [`p106@${first.ts + 160}`]);
  assert.deepEqual(jb.push(pkt(105, 1800, 1), 601), []);
  assert.deepEqual({ changes: jb.toJSON().ssrcChanges, stale: jb.toJSON().stale }, {
    changes: 1,
    stale: 1,
  });
});

Deno.test("JitterBuffer resyncs a sequence restart confirmed by the next packet (RFC 3550 A.1)", () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  jb.push(pkt(100, 160), 0);
  assert.deepEqual(jb.push(pkt(40000, 50_000), 20), []);
  assert.equal(jb.toJSON().badSequence, 1);
  const out = jb.push(pkt(40001, 50_160), 40);
  assert.deepEqual(out.map((o) => o.kind === "packet" && o.seq), [101]);
  assert.equal(jb.toJSON().resyncs, 1);
});

Deno.test("JitterBuffer.flush() releases everything with gaps, and maxPackets caps holding", () => {
  const jb = new JitterBuffer({ clockRate: 8000, maxPackets: 3 });
  jb.push(pkt(1, 160), 0);
  for (const s of [3, 4, 5]) jb.push(pkt(s, s * 160), 1);
  const capped = jb.push(pkt(6, 960), 2);
  assert.deepEqual(summary(capped), ["loss2x1", "p3@480", "p4@640", "p5@800", "p6@960"]);
  jb.push(pkt(8, 8 * 160), 3);
  assert.deepEqual(summary(jb.flush()), ["loss7x1", "p8@1280"]);
  assert.equal(jb.toJSON().buffered, 0);
});

Deno.test("JitterBuffer output is strictly ordered and accounts for every sequence number", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ drop: fc.boolean(), dup: fc.boolean(), jitter: fc.nat({ max: 150 }) }), {
        minLength: 1,
        maxLength: 300,
      }),
      fc.integer({ min: 0, max: 0xffff }),
      (plan, start) => {
        const jb = new JitterBuffer({ clockRate: 8000, depthMs: 60 });
        const arrivals: [number, number][] = [];
        plan.forEach((p, i) => {
          if (i > 0 && p.drop) return;
          arrivals.push([i * 20 + p.jitter, i]);
          if (p.dup) arrivals.push([i * 20 + p.jitter + 5, i]);
        });
        arrivals.sort((a, b) => a[0] - b[0]);
        const out: JitterOut[] = [];
        for (const [t, i] of arrivals) out.push(...jb.push(pkt(start + i, i * 160), t));
        out.push(...jb.flush());
        let expect = out[0].seq;
        for (const o of out) {
          assert.equal(o.seq, expect);
          expect += o.kind === "packet" ? 1 : o.count;
        }
        const s = jb.toJSON();
        assert.equal(s.emitted + s.duplicates + s.late, s.pushed);
      },
    ),
    { numRuns: 300, seed: 1234 },
  );
});
