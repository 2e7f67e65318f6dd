import assert from "node:assert/strict";
import fc from "fast-check";
import { join } from "node:path";
import { oggPackets, scanOggPages } from "./ogg.ts";
import { loadLibOpus } from "./opus_ffi.ts";
import { OpusPacketDecoder } from "./opus_packet_decoder.ts";
import { createPacketDecoder, type PacketDecoder } from "./packet_decoder.ts";
import { peakHz, run } from "./_tone.ts";

// Opened once per process, before the sanitized tests (it stays open, as in the box).
loadLibOpus();

/** ffmpeg's libopus encoder (not ours): a 48 kHz `hz` sine as 20 ms Opus packets. */
async function ffmpegOpus(dir: string, hz: number): Promise<Uint8Array[]> {
  const out = join(dir, `tone_${hz}.opus`);
  const r = await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
    ...["-i", `sine=frequency=${hz}:duration=1:sample_rate=48000`],
    ...["-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", out],
  ]);
  assert.equal(r.code, 0, r.err);
  const packets = oggPackets(scanOggPages(await Deno.readFile(out)).pages.map((p) => p.page));
  return packets.slice(2).map((p) => p.data); // after OpusHead and OpusTags
}

function decodeAll(dec: PacketDecoder, packets: Uint8Array[], drop = -1): Int16Array {
  const pcm = new Int16Array(packets.length * dec.sampleRate / 50);
  let at = 0;
  packets.forEach((p, i) => {
    const n = i === drop
      ? dec.conceal(pcm.subarray(at), dec.sampleRate / 50)
      : dec.decode(p, pcm.subarray(at));
    assert.equal(n, dec.sampleRate / 50, `packet ${i}`);
    at += n;
  });
  return pcm;
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

Deno.test({
  name:
    "Opus from ffmpeg decodes at 8, 16 and 48 kHz; a 6 kHz tone survives at 16 kHz; loss is concealed",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "selrec-opus-" });
    try {
      const tone1k = await ffmpegOpus(dir, 1000);
      const tone6k = await ffmpegOpus(dir, 6000);
      for (const rate of [8000, 16000, 48000]) {
        const dec = await createPacketDecoder("opus", 48000, {}, { rate });
        assert.ok(dec instanceof OpusPacketDecoder);
        assert.equal(dec.backend, "ffi");
        assert.equal(dec.sampleRate, rate);
        const pcm = decodeAll(dec, tone1k, 20);
        assert.equal(peakHz(pcm.subarray(rate / 10), rate), 1000, `1 kHz at ${rate}`);
        const lost = pcm.subarray((20 * rate) / 50, (21 * rate) / 50);
        assert.ok(rms(lost) > 1000, `concealed 20 ms at ${rate} Hz: RMS ${rms(lost).toFixed(0)}`);
        dec.free();
      }
      const wb = await createPacketDecoder("opus", 48000, {}, { rate: 16000 });
      assert.ok(wb);
      assert.equal(peakHz(decodeAll(wb, tone6k).subarray(1600), 16000), 6000);
      wb.free();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the Opus decoder's rate follows maxplaybackrate/sprop-maxcapturerate and maxRate", async () => {
  const cases: [Record<string, string>, number | undefined, number][] = [
    [{}, undefined, 48000],
    [{}, 16000, 16000],
    [{ maxplaybackrate: "16000" }, undefined, 16000],
    [{ "sprop-maxcapturerate": "8000" }, 48000, 8000],
    [{ maxplaybackrate: "24000" }, 16000, 16000],
  ];
  for (const [fmtp, maxRate, want] of cases) {
    const dec = await createPacketDecoder("OPUS", 48000, fmtp, { maxRate });
    assert.equal(dec?.sampleRate, want, JSON.stringify({ fmtp, maxRate }));
    assert.equal(dec?.maxSamples, (want * 120) / 1000);
    dec?.free();
  }
  assert.equal(await createPacketDecoder("opus", 8000, {}), null, "Opus runs at a 48 kHz clock");
  await assert.rejects(() => createPacketDecoder("opus", 48000, {}, { rate: 44100 }), RangeError);
});

Deno.test("the Opus decoders (libopus and the addon) never throw: random payloads give -1 or samples", async () => {
  for (const backend of ["ffi", "addon"] as const) {
    const dec = await OpusPacketDecoder.create(16000, backend);
    assert.equal(dec.backend, backend);
    const out = new Int16Array(dec.maxSamples);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const n = dec.decode(bytes, out);
        assert.ok(n === -1 || (n > 0 && n <= dec.maxSamples && n % 40 === 0), `${n}`);
      }),
    );
    assert.equal(dec.decode(new Uint8Array(0), out), -1);
    assert.equal(dec.conceal(out, 321), 321);
    dec.free();
  }
});
