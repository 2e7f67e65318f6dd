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
