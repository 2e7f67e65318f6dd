/** Sealed recording files on a disk that fills up for a while (writes fail with ENOSPC). */
import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { fillableDisk } from "../../tests/helpers/full_disk.ts";
import { encodeG711 } from "../codec/g711.ts";
import { decodeOggOpus } from "../codec/opus_decode.ts";
import { createOpusEncoder } from "../codec/opus_encoder.ts";
import { OpusRecordingFile, WavRecordingFile } from "../codec/recording_file.ts";
import { parseWav } from "../codec/wav.ts";
import { openSealedFile } from "../seal/sealed_reader.ts";
import { type FileSeal, sealLayer } from "./file_seal.ts";

const io = { sanitizeOps: true, sanitizeResources: true };
const seal: FileSeal = {
  keyId: "kek-test",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
  chunkBytes: 4096,
  syncIntervalMs: 500,
};
const unwrap = () => Promise.resolve(seal.dataKey);

async function unseal(path: string): Promise<Uint8Array> {
  using r = await openSealedFile(path, unwrap);
  return await r.readRange(0, r.plaintextSize);
}

Deno.test({
  name: "a sealed Opus file holds its chunks through a 2 s disk-full and finishes whole",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { disk, wrap } = fillableDisk();
    let t = 0;
    const enc = await createOpusEncoder({ complexity: 0 });
    const file = await OpusRecordingFile.create(`${dir}/x.ogg`, {
      serial: 7,
      channels: 2,
      preSkip: enc.preSkip,
      mapping: enc.mapping,
      inputSampleRate: 8000,
      now: () => t,
      wrapFile: wrap,
      layer: sealLayer(seal),
    });
    const pcm = stereoTone(8000, 4, 440, 880);
    for (let o = 0, i = 0; o + 320 <= pcm.length; o += 320, i++) {
      t += 20;
      if (t === 1000) disk.full = true;
      if (t === 3000) disk.full = false;
      await file.writePacket(enc.encode(pcm.subarray(o, o + 320)), 960);
      if (i % 12 === 11) await file.tick();
    }
    assert.ok(disk.refused >= 2, `refused ${disk.refused}`);
    const done = await file.finish();
    const decoded = await decodeOggOpus(await unseal(done.path));
    assert.ok(Math.abs(decoded.channelData[0].length / 48 - 4000) <= 20);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "a sealed WAV file finishes with its header fixed up, also when the finish is retried",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { disk, wrap } = fillableDisk();
    const file = await WavRecordingFile.create(`${dir}/x.wav`, {
      format: "mulaw",
      channels: 2,
      sampleRate: 8000,
      wrapFile: wrap,
      layer: sealLayer(seal),
    });
    const data = encodeG711("pcmu", stereoTone(8000, 2, 440, 880));
    for (let o = 0; o < data.length; o += 1600) await file.write(data.subarray(o, o + 1600));
    disk.full = true;
    await assert.rejects(file.finish());
    disk.full = false;
    const done = await file.finish();
    const wav = parseWav(await unseal(done.path));
    assert.equal(wav.frames, 16000);
    assert.deepEqual(wav.data, data);
    await Deno.remove(dir, { recursive: true });
  },
});
