import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { run } from "./_tone.ts";
import { encodeG711 } from "./g711.ts";
import { encodeWav, encodeWavHeader, parseWav, pcm16Bytes, wavHeaderLength } from "./wav.ts";

Deno.test("encodeWavHeader() writes 44-byte PCM and 58-byte G.711 headers", () => {
  const pcm = encodeWavHeader({ format: "pcm16", channels: 2, sampleRate: 8000, dataBytes: 32000 });
  assert.equal(pcm.length, wavHeaderLength("pcm16"));
  const ulaw = encodeWavHeader({
    format: "mulaw",
    channels: 2,
    sampleRate: 8000,
    dataBytes: 16000,
  });
  assert.equal(ulaw.length, 58);
  const v = new DataView(ulaw.buffer);
  assert.equal(v.getUint16(20, true), 7);
  assert.equal(v.getUint32(46, true), 8000, "fact: frames");
  assert.equal(v.getUint32(54, true), 16000);
});

Deno.test("parseWav() clamps a data size that runs past a cut file", () => {
  const file = encodeWav({ format: "alaw", channels: 2, sampleRate: 8000 }, new Uint8Array(100));
  const cut = parseWav(file.subarray(0, file.length - 11));
  assert.equal(cut.format, "alaw");
  assert.equal(cut.data.length, 88);
  assert.equal(cut.frames, 44);
  assert.throws(() => parseWav(new Uint8Array(12)), SyntaxError);
});

for (const format of ["pcm16", "mulaw", "alaw"] as const) {
  Deno.test({
    name: `encodeWav() ${format} stereo is read by ffprobe with the right codec and duration`,
    sanitizeOps: true,
    sanitizeResources: true,
    fn: async () => {
      const pcm = stereoTone(8000, 1.5, 440, 880);
      const data = format === "pcm16"
        ? pcm16Bytes(pcm)
        : encodeG711(format === "mulaw" ? "pcmu" : "pcma", pcm);
      const dir = await Deno.makeTempDir();
      try {
        await Deno.writeFile(
          `${dir}/a.wav`,
          encodeWav({ format, channels: 2, sampleRate: 8000 }, data),
        );
        const r = await run("ffprobe", [
          "-v",
          "error",
          "-show_entries",
          "stream=codec_name,channels,sample_rate:format=duration",
          "-of",
          "json",
          `${dir}/a.wav`,
        ]);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.err, "");
        const j = JSON.parse(r.out);
        const codec = { pcm16: "pcm_s16le", mulaw: "pcm_mulaw", alaw: "pcm_alaw" }[format];
        assert.equal(j.streams[0].codec_name, codec);
        assert.equal(j.streams[0].channels, 2);
        assert.equal(Number(j.format.duration), 1.5);
        const back = parseWav(await Deno.readFile(`${dir}/a.wav`));
        assert.equal(back.frames, 12000);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
