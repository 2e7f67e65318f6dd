import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { deinterleave, goertzel, run } from "./_tone.ts";
import { OGG_BOS, OGG_EOS, oggPackets, scanOggPages } from "./ogg.ts";
import { decodeOggOpus } from "./opus_decode.ts";
import { createOpusEncoder } from "./opus_encoder.ts";
import { opusComment, parseOpusHead, parseOpusTags } from "./opus_head.ts";
import { OggOpusWriter } from "./opus_ogg_writer.ts";
import { concat } from "./ogg.ts";

function writer(maxPageMs = 1000) {
  return new OggOpusWriter({
    serial: 0x1234,
    channels: 2,
    preSkip: 312,
    inputSampleRate: 8000,
    comments: [opusComment("CALLID", "c1"), opusComment("PARTICIPANT", "alice")],
    maxPageMs,
  });
}

Deno.test("OggOpusWriter puts OpusHead alone on a BOS page, then OpusTags", () => {
  const w = writer();
  const scan = scanOggPages(concat(w.headerPages()));
  assert.equal(scan.pages.length, 2);
  assert.equal(scan.pages[0].page.headerType, OGG_BOS);
  assert.equal(scan.pages[0].page.granule, 0);
  const packets = oggPackets(scan.pages.map((p) => p.page));
  assert.deepEqual(parseOpusHead(packets[0].data).preSkip, 312);
  assert.deepEqual(parseOpusTags(packets[1].data).comments, ["CALLID=c1", "PARTICIPANT=alice"]);
});

Deno.test("OggOpusWriter emits pages of at most maxPageMs with 48 kHz granules", () => {
  const w = writer(100);
  const pages: Uint8Array[] = [...w.headerPages()];
  for (let i = 0; i < 23; i++) pages.push(...w.addPacket(Uint8Array.of(0xfc, i), 960));
  pages.push(...w.end());
  const audio = scanOggPages(concat(pages)).pages.slice(2).map((p) => p.page);
  assert.deepEqual(audio.map((p) => p.granule), [5, 10, 15, 20, 23].map((n) => n * 960));
  assert.deepEqual(audio.map((p) => p.segments.length), [5, 5, 5, 5, 3]);
  assert.equal(audio.at(-1)!.headerType, OGG_EOS);
  assert.ok(audio.slice(0, -1).every((p) => p.headerType === 0));
  assert.equal(w.durationMs, (23 * 960 - 312) / 48);
});

Deno.test("OggOpusWriter.flush() keeps the newest packet for the EOS page", () => {
  const w = writer();
  w.addPacket(Uint8Array.of(0xfc), 960);
  w.addPacket(Uint8Array.of(0xfc), 960);
  const flushed = scanOggPages(concat(w.flush())).pages;
  assert.equal(flushed.length, 1);
  assert.equal(flushed[0].page.granule, 960);
  const last = scanOggPages(concat(w.end())).pages;
  assert.equal(last[0].page.granule, 1920);
  assert.equal(last[0].page.headerType, OGG_EOS);
  assert.deepEqual(w.end(), []);
});

Deno.test("OggOpusWriter.end() without audio still writes a valid EOS page", () => {
  const w = writer();
  const pages = scanOggPages(concat(w.end())).pages;
  assert.equal(pages.length, 1);
  assert.equal(pages[0].page.granule, 960);
});

/** Encode `seconds` of 440 Hz left / 880 Hz right into a complete Ogg Opus file. */
async function encodeToneFile(path: string, seconds: number, sampleRate: 8000, bitrate: number) {
  const enc = await createOpusEncoder({ sampleRate, complexity: 5, bitrate });
  const w = new OggOpusWriter({
    serial: 7,
    channels: 2,
    mapping: enc.mapping,
    preSkip: enc.preSkip,
    inputSampleRate: sampleRate,
    comments: [opusComment("CALLID", "tone")],
  });
  const pcm = stereoTone(sampleRate, seconds, 440, 880);
  const pages = [...w.headerPages()];
  const step = enc.frameSamples * 2;
  for (let o = 0; o + step <= pcm.length; o += step) {
    pages.push(...w.addPacket(enc.encode(pcm.subarray(o, o + step)), enc.frameSamples48k));
  }
  pages.push(...w.end());
  await Deno.writeFile(path, concat(pages));
  return enc;
}

Deno.test({
  name: "a 440/880 Hz two-party tone at 8 kbps keeps 40 dB between channels in opusinfo, " +
    "ffprobe, ffmpeg and opus-decoder",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/tone.ogg`;
      // Coupled stereo collapses to mid only at this bitrate (0.6 dB apart, measured).
      const enc = await encodeToneFile(path, 3, 8000, 8000);
      assert.equal(enc.preSkip % 6, 0);
      const info = await run("opusinfo", [path]);
      assert.equal(info.code, 0, info.out + info.err);
      assert.doesNotMatch(info.out + info.err, /WARNING|ERROR/i);
      assert.match(info.out, /Channels: 2/);
      assert.match(info.out, /mapping family 1|Mapping family: 1/i, info.out);
      const probe = await run("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "format=duration",
        "-of",
        "csv=p=0",
        path,
      ]);
      assert.equal(probe.code, 0, probe.err);
      assert.ok(Math.abs(Number(probe.out) - 3) < 0.02, probe.out);
      const dec = await decodeOggOpus(await Deno.readFile(path));
      assert.equal(dec.samples, 3 * 48000 - enc.preSkip);
      assert.equal(dec.errors, 0);
      const [l, r] = dec.channelData.map((c) => c.subarray(4800));
      assert.ok(goertzel(l, 48000, 440) > 1e4 * goertzel(l, 48000, 880), "left is 440 Hz");
      assert.ok(goertzel(r, 48000, 880) > 1e4 * goertzel(r, 48000, 440), "right is 880 Hz");
      const ff = await new Deno.Command("ffmpeg", {
        args: ["-v", "error", "-i", path, "-f", "s16le", "-ac", "2", "-ar", "8000", "-"],
        stdout: "piped",
      }).output();
      assert.ok(ff.success);
      const [fl, fr] = deinterleave(new Int16Array(ff.stdout.buffer, 0, ff.stdout.length >> 1));
      assert.ok(Math.abs(fl.length - (24000 - enc.preSkip / 6)) <= 8, `ffmpeg: ${fl.length}`);
      assert.ok(
        goertzel(fl.subarray(800), 8000, 440) > 1e4 * goertzel(fl.subarray(800), 8000, 880),
      );
      assert.ok(
        goertzel(fr.subarray(800), 8000, 880) > 1e4 * goertzel(fr.subarray(800), 8000, 440),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
