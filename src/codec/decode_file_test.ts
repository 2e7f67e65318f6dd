import assert from "node:assert/strict";
import { join } from "node:path";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { goertzel } from "./_tone.ts";
import { encodeG711 } from "./g711.ts";
import { encodeWav, parseWav, pcm16Bytes } from "./wav.ts";
import { decodeFile, toWav } from "./decode_file.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "call.wav");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("decodeFile() reads a G.711 A-law WAV into one float channel per leg", FS, async () => {
  const pcm = stereoTone(8000, 1, 440, 1000);
  const file = encodeWav(
    { format: "alaw", channels: 2, sampleRate: 8000 },
    encodeG711("pcma", pcm),
  );
  await withFile(file, async (path) => {
    const d = await decodeFile(path, "wav");
    assert.deepEqual([d.sampleRate, d.nativeRate, d.channels.length], [8000, 8000, 2]);
    assert.equal(d.channels[0].length, 8000);
    const [left, right] = d.channels;
    assert.ok(goertzel(left, 8000, 440) > 100 * goertzel(left, 8000, 1000), "left is 440 Hz");
    assert.ok(goertzel(right, 8000, 1000) > 100 * goertzel(right, 8000, 440), "right is 1 kHz");
    assert.ok(Math.max(...left) <= 1 && Math.min(...left) >= -1);
  });
});

Deno.test("toWav() decimates 16 kHz PCM to 8 kHz PCM16 and clamps", FS, async () => {
  const pcm = stereoTone(16000, 0.5, 300, 600);
  await withFile(
    encodeWav({ format: "pcm16", channels: 2, sampleRate: 16000 }, pcm16Bytes(pcm)),
    async (path) => {
      const d = await decodeFile(path, "wav");
      d.channels[0][0] = 5;
      d.channels[0][1] = 5;
      const w = parseWav(toWav(d, 8000));
      assert.deepEqual([w.format, w.sampleRate, w.channels, w.frames], ["pcm16", 8000, 2, 4000]);
      const view = new DataView(w.data.buffer, w.data.byteOffset, w.data.byteLength);
      assert.equal(view.getInt16(0, true), 32767, "an over-range sample is clamped");
    },
  );
});
