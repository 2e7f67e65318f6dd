import assert from "node:assert/strict";
import { serializeRtpPacket } from "../rtp/packet.ts";
import { encodeG711 } from "../codec/g711.ts";
import { type PayloadCodec, StreamReceiver } from "./stream_receiver.ts";
import { Timeline } from "./timeline.ts";
import { bandLimitedResampler, payloadDecoders } from "./stream_decoders.ts";

/** A receiver with the real decoders (and resamplers) of `codecs` at the timeline's rate. */
async function receiver(
  key: string,
  channel: 0 | 1,
  codecs: Map<number, PayloadCodec>,
  tl: Timeline,
): Promise<StreamReceiver> {
  const decoders = await payloadDecoders(codecs, {
    rate: tl.rate,
    resampler: bandLimitedResampler,
  });
  return new StreamReceiver(key, channel, codecs, tl, decoders);
}

const CODECS = new Map<number, PayloadCodec>([
  [0, { name: "PCMU", clockRate: 8000 }],
  [101, { name: "telephone-event", clockRate: 8000 }],
]);

function pcmu(value: number): Uint8Array {
  const out = new Uint8Array(160);
  encodeG711("pcmu", new Int16Array(160).fill(value), out);
  return out;
}

function packet(seq: number, ts: number, pt = 0, payload = pcmu(1000), ssrc = 42): Uint8Array {
  return serializeRtpPacket({
    payloadType: pt,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc,
    payload,
    marker: false,
  });
}

Deno.test("StreamReceiver counts loss, duplicates and reordering (RFC 3550 A.3)", async () => {
  const tl = new Timeline(100);
  const rx = await receiver("a", 0, CODECS, tl);
  const order = [0, 1, 3, 2, 2, 5, 6, 7, 9];
  for (const [i, seq] of order.entries()) {
    rx.receive(packet(65530 + seq, seq * 160), i * 20);
  }
  const st = rx.stats();
  assert.equal(st.received, 8);
  assert.equal(st.duplicated, 1);
  assert.equal(st.reordered, 1);
  assert.equal(st.expected, 10);
  assert.equal(st.lost, 2);
});

Deno.test("StreamReceiver never stores DTMF or comfort noise as audio", async () => {
  const tl = new Timeline(0);
  const rx = await receiver("a", 0, CODECS, tl);
  rx.receive(packet(1, 0), 0);
  for (let i = 0; i < 3; i++) {
    rx.receive(
      packet(2 + i, 160, 101, Uint8Array.of(5, 10, 0, 160 * (i + 1))),
      20 + i * 20,
    );
  }
  rx.receive(packet(5, 800, 13, Uint8Array.of(40)), 100);
  rx.receive(packet(6, 960), 120);
  rx.receive(new Uint8Array([1, 2, 3]), 130);
  const st = rx.stats();
  assert.equal(st.telephoneEvents, 1, "one event across its three packets");
  assert.equal(st.comfortNoise, 1);
  assert.equal(st.badPackets, 1);
  const pcm = tl.drain(0, true)!.filter((_, i) => i % 2 === 0);
  assert.ok(pcm.slice(0, 160).every((v) => Math.abs(v - 1000) < 40));
  assert.ok(pcm.slice(160, 960).every((v) => v === 0), "DTMF and CN spans are silence");
});

Deno.test("StreamReceiver continues across an SSRC change with totals kept", async () => {
  const rx = await receiver("a", 0, CODECS, new Timeline());
  for (let i = 0; i < 10; i++) rx.receive(packet(100 + i, i * 160, 0, pcmu(1), 1), i * 20);
  for (let i = 0; i < 10; i++) {
    rx.receive(packet(7 + i, 99 + i * 160, 0, pcmu(1), 2), 200 + i * 20);
  }
  const st = rx.stats();
  assert.equal(st.ssrcChanges, 1);
  assert.equal(st.received, 20);
  assert.equal(st.expected, 20);
  assert.equal(st.lost, 0);
});

Deno.test("StreamReceiver jitter is zero for perfectly paced packets", async () => {
  const rx = await receiver("a", 0, CODECS, new Timeline());
  for (let i = 0; i < 50; i++) rx.receive(packet(i, i * 160), i * 20);
  assert.equal(rx.stats().jitterMs, 0);
  const rx2 = await receiver("b", 1, CODECS, new Timeline());
  for (let i = 0; i < 50; i++) rx2.receive(packet(i, i * 160), i * 20 + (i % 2) * 10);
  assert.ok(rx2.stats().jitterMs > 5);
});

Deno.test("StreamReceiver.receive() never throws on arbitrary bytes (fast-check)", async () => {
  const fc = (await import("fast-check")).default;
  const codecs = new Map<number, PayloadCodec>([
    [0, { name: "PCMU", clockRate: 8000 }],
    [8, { name: "PCMA", clockRate: 8000 }],
    [101, { name: "telephone-event", clockRate: 8000 }],
  ]);
  const tl = new Timeline(100);
  const rx = await receiver("a", 0, codecs, tl);
  let t = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 1500 }),
        // Mostly-valid headers with random fields, so deeper code paths run too.
        fc.tuple(
          fc.integer({ min: 0, max: 127 }),
          fc.integer({ min: 0, max: 0xffff }),
          fc.nat(),
          fc.uint8Array({ maxLength: 400 }),
        )
          .map(([pt, seq, ts, payload]) => packet(seq, ts, pt, payload, 42)),
      ),
      (bytes) => {
        rx.receive(bytes, t += 7);
        tl.drain(t);
      },
    ),
    { numRuns: 2000 },
  );
  const st = rx.stats();
  assert.ok(st.badPackets + st.unknownPayload + st.received > 0);
});

/** `n` µ-law packets of a `hz` tone at 8 kHz, phase-continuous. */
function tonePackets(hz: number, n: number, from = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = from; p < from + n; p++) {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) {
      pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (p * 160 + i)) / 8000));
    }
    const payload = new Uint8Array(160);
    encodeG711("pcmu", pcm, payload);
    out.push(payload);
  }
  return out;
}

/** Power of `hz` relative to the span's energy (1 = a pure tone). */
function toneShare(x: Int16Array, rate: number, hz: number): number {
  let re = 0, im = 0, energy = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * hz * i) / rate);
    im += x[i] * Math.sin((2 * Math.PI * hz * i) / rate);
    energy += x[i] * x[i];
  }
  return (2 * (re * re + im * im)) / (x.length * energy);
}

Deno.test("StreamReceiver resamples G.711 up to a 16 kHz timeline: twice the samples, the same tone", async () => {
  const tl = new Timeline(0, 16000);
  const rx = await receiver("a", 0, CODECS, tl);
  tonePackets(1000, 50).forEach((p, i) => rx.receive(packet(i, i * 160, 0, p), i * 20));
  const left = tl.drain(1000, true)!.filter((_, i) => i % 2 === 0);
  assert.equal(left.length, 50 * 320);
  const body = left.subarray(1600, 14400);
  assert.ok(toneShare(body, 16000, 1000) > 0.95, `1 kHz share ${toneShare(body, 16000, 1000)}`);
});

Deno.test("StreamReceiver follows a codec change on the same SSRC (PCMU → G.722) without a gap", async () => {
  const codecs = new Map<number, PayloadCodec>([[0, { name: "PCMU", clockRate: 8000 }]]);
  const tl = new Timeline(0, 8000);
  const rx = await receiver("a", 0, codecs, tl);
  tonePackets(500, 25).forEach((p, i) => rx.receive(packet(i, i * 160, 0, p), i * 20));
  // G.722 silence-ish payloads (0xfa… is near zero in both sub-bands); the first three
  // arrive before the capture hears of the re-offer, and are held for it.
  const g722 = (i: number) => packet(i, i * 160, 9, new Uint8Array(160).fill(0xfa));
  for (let i = 25; i < 28; i++) rx.receive(g722(i), i * 20);
  assert.equal(rx.stats().unknownPayload, 3, "held, and unknown until the re-offer");
  const both = new Map<number, PayloadCodec>([...codecs, [9, { name: "G722", clockRate: 8000 }]]);
  const decoders = await payloadDecoders(both, {
    rate: 8000,
    resampler: bandLimitedResampler,
    reuse: rx.decoders,
  });
  assert.equal(decoders.get(0), rx.decoders.get(0), "the PCMU decoder is kept");
  rx.setCodecs(both, decoders);
  for (let i = 28; i < 50; i++) rx.receive(g722(i), i * 20);
  const st = rx.stats();
  assert.deepEqual(st.codecs, ["PCMU", "G722"]);
  assert.equal(st.unknownPayload, 0);
  assert.equal(tl.stats.reanchors, 0, "same RTP clock: the stream keeps its anchor");
  assert.equal(tl.drain(1000, true)!.length / 2, 50 * 160, "one continuous second");
});
