import assert from "node:assert/strict";
import fc from "fast-check";
import { join } from "node:path";
import { G722Decoder } from "./g722.ts";
import { loadLibSpandsp, SpandspG722Decoder } from "./g722_spandsp.ts";
import { createPacketDecoder } from "./packet_decoder.ts";
import { peakHz, run, toneShareDb } from "./_tone.ts";

/** ffmpeg's G.722 encoder (not ours): a `hz` sine at 16 kHz → raw G.722 bytes. */
async function ffmpegG722(dir: string, hz: number, seconds = 1): Promise<Uint8Array> {
  const out = join(dir, `tone_${hz}.g722`);
  const r = await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
    ...["-i", `sine=frequency=${hz}:duration=${seconds}:sample_rate=16000`],
    ...["-ar", "16000", "-acodec", "g722", "-f", "g722", out],
  ]);
  assert.equal(r.code, 0, r.err);
  return await Deno.readFile(out);
}

// Opened once per process, before the sanitized tests (it stays open, as in the box).
loadLibSpandsp();

type Decode = (payload: Uint8Array, out: Int16Array) => number;

/** Decodes `bytes` as 20 ms (160-byte) RTP payloads, as they arrive. */
function decodePackets(bytes: Uint8Array, decode: Decode): Int16Array {
  const pcm = new Int16Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i += 160) {
    const n = decode(bytes.subarray(i, i + 160), pcm.subarray(2 * i));
    assert.equal(n, 2 * Math.min(160, bytes.length - i));
  }
  return pcm;
}

Deno.test({
  name: "G.722 from ffmpeg: 1 kHz and 6 kHz tones come out at 16 kHz, TS and spandsp agree",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "selrec-g722-" });
    try {
      for (const hz of [1000, 6000]) {
        const bytes = await ffmpegG722(dir, hz);
        assert.equal(bytes.length, 8000, "1 s at 64 kbit/s");
        const tsDec = new G722Decoder();
        const spDec = new SpandspG722Decoder();
        const ts = decodePackets(bytes, (p, o) => tsDec.decode(p, o));
        const sp = decodePackets(bytes, (p, o) => spDec.decode(p, o));
        spDec.free();
        // Skip the first 10 ms (the ADPCM adapting from reset).
        const steady = ts.subarray(160);
        assert.equal(peakHz(steady, 16000), hz, `${hz} Hz tone`);
        const share = toneShareDb(steady, 16000, hz);
        assert.ok(share > -1, `${hz} Hz carries the power (${share.toFixed(2)} dB)`);
        let maxDiff = 0;
        for (let i = 0; i < ts.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ts[i] - sp[i]));
        assert.ok(maxDiff <= 1, `TS and spandsp differ by ${maxDiff}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the G.722 packet decoder uses spandsp when libspandsp2 loads", async () => {
  const dec = await createPacketDecoder("G722", 8000, {});
  assert.equal((dec as unknown as { impl: string }).impl, "spandsp");
  dec?.free();
});

Deno.test("the G.722 packet decoder (TS and spandsp) writes 2 samples per byte of any payload", async () => {
  for (const impl of ["ts", "spandsp"] as const) {
    const dec = await createPacketDecoder("g722", 8000, {}, { g722: impl });
    assert.ok(dec);
    assert.equal(dec.sampleRate, 16000);
    assert.equal(dec.clockRate, 8000);
    const out = new Int16Array(dec.maxSamples);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const n = dec.decode(bytes, out);
        assert.equal(n, 2 * bytes.length);
      }),
    );
    assert.equal(dec.decode(new Uint8Array(100), new Int16Array(199)), -1, "out too short");
    assert.equal((dec as unknown as { impl: string }).impl, impl);
    assert.equal(dec.conceal(out, 320), 320);
    dec.free();
  }
});
