import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { DUAL_MONO } from "./opus_head.ts";
import { createOpusEncoder, loadOpusBackend } from "./opus_encoder.ts";
import { opusFrames } from "./opus_packet.ts";

Deno.test("loadOpusBackend() prefers the native addon when FFI is allowed", async () => {
  assert.equal(await loadOpusBackend(), "native");
});

for (const backend of ["native", "wasm"] as const) {
  Deno.test(`createOpusEncoder() encodes 20 ms two-party 8 kHz frames (${backend})`, async () => {
    const enc = await createOpusEncoder({ backend, sampleRate: 8000, complexity: 0 });
    assert.equal(enc.backend, backend);
    assert.equal(enc.frameSamples, 160);
    assert.equal(enc.frameSamples48k, 960);
    assert.ok(enc.preSkip > 0 && enc.preSkip % 6 === 0, `preSkip ${enc.preSkip}`);
    const pcm = stereoTone(8000, 0.02, 440, 880);
    const packet = enc.encode(pcm);
    assert.equal(enc.mapping, DUAL_MONO);
    // Two mono streams: the first self-delimited (code 0 + its length), then the second.
    assert.equal(packet[0] & 0x07, 0, "first stream: mono, code 0");
    const first = 2 + packet[1];
    assert.ok(packet[1] > 0 && first < packet.length);
    assert.equal(packet[first] & 0x04, 0, "second stream: mono");
    assert.equal(opusFrames(packet.subarray(first)).frames.length, 1);
  });
}

Deno.test("createOpusEncoder() rejects bad settings and a wrong frame size", async () => {
  await assert.rejects(() => createOpusEncoder({ complexity: 11 }), RangeError);
  await assert.rejects(() => createOpusEncoder({ sampleRate: 44100 as 48000 }), RangeError);
  await assert.rejects(() => createOpusEncoder({ bitrate: 100 }), RangeError);
  const enc = await createOpusEncoder();
  assert.throws(() => enc.encode(new Int16Array(319)), RangeError);
});

Deno.test("the silence gate skips a quiet party after 200 ms and encodes them again at once", async () => {
  const enc = await createOpusEncoder({ complexity: 0, silenceGateDbfs: -60 });
  const open = await createOpusEncoder({ complexity: 0 });
  // Left: 0.5 s of 440 Hz, 1 s of silence, 0.5 s of 440 Hz. Right: silent throughout.
  const pcm = new Int16Array(2 * 8000 * 2);
  pcm.set(stereoTone(8000, 0.5, 440, 440).map((v, i) => (i % 2 ? 0 : v)));
  pcm.set(stereoTone(8000, 0.5, 440, 440).map((v, i) => (i % 2 ? 0 : v)), 2 * 8000 * 1.5);
  const sizes: [number, number][] = [];
  for (let o = 0; o < pcm.length; o += 320) {
    const frame = pcm.subarray(o, o + 320);
    open.encode(frame);
    const p = enc.encode(frame);
    const first = 2 + p[1];
    sizes.push([p[1], p.length - first - 1]); // frame bytes after each TOC
  }
  // Frames 0-24 tone, 25-74 silence, 75-99 tone on the left; the right is silent.
  // A party is gated from the 11th quiet frame on.
  assert.equal(open.gatedFrames, 0);
  assert.equal(enc.gatedFrames, (100 - 10) + (50 - 10));
  assert.ok(sizes.slice(0, 35).every(([l]) => l > 0), "left encoded: tone, then hangover");
  assert.ok(sizes.slice(35, 75).every(([l]) => l === 0), "left gated in its silence");
  assert.ok(sizes.slice(75).every(([l]) => l > 10), "left encoded from the first loud frame");
  assert.ok(sizes.slice(0, 10).every(([, r]) => r > 0), "right encoded for the hangover");
  assert.ok(sizes.slice(10).every(([, r]) => r === 0), "right gated after 10 frames");
});
