import assert from "node:assert/strict";
import fc from "fast-check";
import { G729_FRAME_SAMPLES, g729Framing, g729Samples } from "./g729.ts";
import { loadLibBcg729 } from "./g729_bcg729.ts";
import { encodeG729, loadBcg729Encoder, packG729 } from "./g729_test_util.ts";
import { createPacketDecoder } from "./packet_decoder.ts";
import { goertzel, peakHz } from "./_tone.ts";

// Opened once per process, before the sanitized tests (they stay open, as in the box).
loadLibBcg729();
loadBcg729Encoder();

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

/** 1 s of 1 kHz, 1 s of quiet noise (RMS ≈ 115), 1 s of 1 kHz: 8 kHz PCM. */
function toneNoiseTone(): Int16Array {
  const pcm = new Int16Array(24000);
  let seed = 12345;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = ((seed >>> 16) / 65536 - 0.5) * 400;
    const tone = i < 8000 || i >= 16000;
    pcm[i] = tone ? Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)) : noise;
  }
  return pcm;
}

Deno.test("g729Framing() splits by length: speech frames then at most one SID frame", () => {
  assert.deepEqual(g729Framing(20), { speech: 2, sid: false });
  assert.deepEqual(g729Framing(22), { speech: 2, sid: true });
  assert.deepEqual(g729Framing(2), { speech: 0, sid: true });
  assert.deepEqual(g729Framing(0), { speech: 0, sid: false });
  assert.equal(g729Framing(15), null);
  assert.equal(g729Framing(-1), null);
  fc.assert(
    fc.property(fc.nat({ max: 3000 }), (n) => {
      const f = g729Framing(n);
      if (f) assert.equal(f.speech * 10 + (f.sid ? 2 : 0), n);
      else assert.ok(n % 10 !== 0 && n % 10 !== 2);
    }),
  );
});

Deno.test({
  name: "G.729 from the bcg729 reference encoder: tone kept through loss, SID → comfort noise",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const frames = encodeG729(toneNoiseTone(), true);
    assert.equal(frames.length, 300);
    const sids = frames.filter((f) => f.length === 2).length;
    const unsent = frames.filter((f) => f.length === 0).length;
    assert.ok(sids > 0 && unsent > 0, `VAD made ${sids} SID and ${unsent} unsent frames`);
    const packets = packG729(frames, 2);
    // Drop every 7th packet: 20 ms losses in both tone seconds.
    const kept = packets.filter((_, i) => i % 7 !== 3);
    const dec = await createPacketDecoder("G729", 8000, { annexb: "yes" });
    assert.ok(dec);
    const pcm = new Int16Array(frames.length * G729_FRAME_SAMPLES);
    let at = 0;
    for (const p of kept) {
      const start = p.frame * G729_FRAME_SAMPLES;
      // The gap before the packet (loss, or DTX after a SID) is concealed, as the capture does.
      if (start > at) at += dec.conceal(pcm.subarray(at), start - at);
      const n = dec.decode(p.payload, pcm.subarray(at));
      assert.equal(n, g729Samples(g729Framing(p.payload.length)!));
      at += n;
    }
    dec.free();
    const first = pcm.subarray(800, 8000), cn = pcm.subarray(9600, 15200);
    const second = pcm.subarray(16800, 24000);
    assert.equal(peakHz(first, 8000), 1000);
    assert.equal(peakHz(second, 8000), 1000);
    // Concealed 20 ms spans in the tone still carry it (not silence).
    const lost = packets.findIndex((p, i) => i % 7 === 3 && p.frame > 20 && p.frame < 90);
    const span = pcm.subarray(packets[lost].frame * 80, packets[lost].frame * 80 + 160);
    assert.ok(rms(span) > 1000, `concealed span RMS ${rms(span).toFixed(0)}`);
    // Comfort noise: near the input noise level, not silence and not the tone or garbage.
    const level = rms(cn);
    assert.ok(level > 115 / 4 && level < 115 * 4, `comfort noise RMS ${level.toFixed(1)}`);
    assert.ok(goertzel(cn, 8000, 1000) < goertzel(first, 8000, 1000) / 1e3);
  },
});

Deno.test("the G.729 packet decoder never throws: random payloads give -1 or whole frames", async () => {
  const dec = await createPacketDecoder("g729", 8000, {});
  assert.ok(dec);
  const out = new Int16Array(dec.maxSamples);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const n = dec.decode(bytes, out);
      const f = g729Framing(bytes.length);
      assert.equal(n, f ? g729Samples(f) : -1);
    }),
  );
  assert.equal(dec.decode(new Uint8Array(20), new Int16Array(100)), -1, "out too short");
  assert.equal(dec.conceal(out, 200), 200);
  dec.free();
  assert.equal(dec.decode(new Uint8Array(10), out), -1, "freed");
});
