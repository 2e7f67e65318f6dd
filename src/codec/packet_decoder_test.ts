import assert from "node:assert/strict";
import {
  codecSampleRate,
  createPacketDecoder,
  decoderCodec,
  loadCodecLibraries,
  opusStreamRate,
} from "./packet_decoder.ts";
import { decodeG711, encodeG711 } from "./g711.ts";

Deno.test("decoderCodec() matches SDP encoding names case-insensitively", () => {
  assert.equal(decoderCodec("pcmu"), "PCMU");
  assert.equal(decoderCodec("G729a"), "G729");
  assert.equal(decoderCodec("OPUS"), "opus");
  assert.equal(decoderCodec("telephone-event"), null);
});

Deno.test("opusStreamRate() takes the smaller of maxplaybackrate and sprop-maxcapturerate", () => {
  assert.equal(opusStreamRate({}), 48000);
  assert.equal(opusStreamRate({ maxplaybackrate: "16000" }), 16000);
  assert.equal(opusStreamRate({ "sprop-maxcapturerate": "8000", maxplaybackrate: "24000" }), 8000);
  assert.equal(opusStreamRate({ maxplaybackrate: "11025" }), 12000);
  assert.equal(opusStreamRate({ maxplaybackrate: "junk" }), 48000);
  assert.equal(codecSampleRate("G722"), 16000);
  assert.equal(codecSampleRate("G729"), 8000);
  assert.equal(codecSampleRate("opus", { maxplaybackrate: "16000" }), 16000);
  assert.equal(codecSampleRate("GSM"), null);
});

Deno.test("the G.711 packet decoder decodes like decodeG711() and refuses a short buffer", async () => {
  const dec = await createPacketDecoder("PCMA", 8000, {});
  assert.ok(dec);
  assert.equal(dec.sampleRate, 8000);
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  const payload = encodeG711("pcma", pcm);
  const out = new Int16Array(dec.maxSamples);
  assert.equal(dec.decode(payload, out), 160);
  assert.deepEqual(out.subarray(0, 160), decodeG711("pcma", payload));
  assert.equal(dec.decode(payload, new Int16Array(100)), -1);
  assert.equal(dec.conceal(out, 80), 80);
  assert.ok(out.subarray(0, 80).every((s) => s === 0));
  assert.equal(await createPacketDecoder("PCMU", 16000, {}), null);
  dec.free();
});

Deno.test("createPacketDecoder() gives null for codecs it does not decode or a wrong clock rate", async () => {
  assert.deepEqual(loadCodecLibraries(), { opus: null, G729: null, G722: null });
  for (
    const [name, clock] of [
      ["telephone-event", 8000],
      ["CN", 8000],
      ["GSM", 8000],
      ["G729", 16000],
      ["G722", 16000],
      ["opus", 8000],
    ] as const
  ) {
    assert.equal(await createPacketDecoder(name, clock, {}), null, `${name}/${clock}`);
  }
  for (
    const [name, clock, rate] of [["G729", 8000, 8000], ["G722", 8000, 16000], [
      "opus",
      48000,
      48000,
    ]] as const
  ) {
    const dec = await createPacketDecoder(name, clock, {});
    assert.equal(dec?.sampleRate, rate, name);
    assert.equal(dec?.clockRate, clock, name);
    dec?.free();
  }
});
