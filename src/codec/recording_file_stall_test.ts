/** Recording files on a disk that fills up for a while (writes fail with ENOSPC). */
import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { fillableDisk } from "../../tests/helpers/full_disk.ts";
import { goertzel } from "./_tone.ts";
import { encodeG711 } from "./g711.ts";
import { decodeOggOpus } from "./opus_decode.ts";
import { createOpusEncoder } from "./opus_encoder.ts";
import { OpusRecordingFile, WavRecordingFile } from "./recording_file.ts";
import { parseWav } from "./wav.ts";

const io = { sanitizeOps: true, sanitizeResources: true };

/** A write budget of `limit` bytes, as the encoder worker shares one. */
function budgetOf(limit: number) {
  const b = {
    held: 0,
    add: (n: number) => b.held += n,
    get full() {
      return b.held >= limit;
    },
  };
  return b;
}

/**
 * Records 4 s of 440/880 Hz with the disk full from 1 s to 3 s (ticks every 250 ms, as
 * the encoder worker does); returns the finished file and its decoded left channel.
 */
async function recordThroughDiskFull(dir: string, limit: number) {
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
    budget: budgetOf(limit),
    wrapFile: wrap,
  });
  const pcm = stereoTone(8000, 4, 440, 880);
  for (let o = 0, i = 0; o + 320 <= pcm.length; o += 320, i++) {
    t += 20;
    if (t === 1000) disk.full = true;
    if (t === 3000) disk.full = false;
    await file.writePacket(enc.encode(pcm.subarray(o, o + 320)), 960);
    if (i % 12 === 11) await file.tick();
  }
  assert.ok(disk.refused >= 8, `refused ${disk.refused}`);
  const done = await file.finish();
  const decoded = await decodeOggOpus(await Deno.readFile(done.path));
  return { done, left: decoded.channelData[0] };
}

const level = (ch: Float32Array, fromMs: number, toMs: number) =>
  goertzel(ch.subarray(fromMs * 48, toMs * 48), 48000, 440);

Deno.test({
  name: "OpusRecordingFile holds pages through a 2 s disk-full and finishes at full length",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { done, left } = await recordThroughDiskFull(dir, 1 << 20);
      assert.ok(Math.abs(done.durationMs - 4000) <= 20, `duration ${done.durationMs}`);
      assert.deepEqual(done.lostSpans, []);
      assert.ok(Math.abs(left.length / 48 - 4000) <= 20, `decoded ${left.length / 48} ms`);
      const loud = level(left, 200, 900);
      assert.ok(level(left, 1100, 2900) > loud / 2, "the tone is there while the disk was full");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "OpusRecordingFile past its write budget stores the lost span as silence and reports it",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { done, left } = await recordThroughDiskFull(dir, 2000);
      assert.ok(Math.abs(done.durationMs - 4000) <= 40, `duration ${done.durationMs}`);
      assert.equal(done.lostSpans?.length, 1);
      const [span] = done.lostSpans!;
      assert.ok(span.startMs >= 950 && span.startMs < 2000, `lost from ${span.startMs}`);
      // Until the first retry (a tick, every 240 ms here) after the disk has room again.
      assert.ok(span.endMs >= 2980 && span.endMs <= 3300, `lost until ${span.endMs}`);
      assert.ok(Math.abs(left.length / 48 - 4000) <= 40, `decoded ${left.length / 48} ms`);
      const loud = level(left, 200, 900);
      assert.ok(level(left, span.startMs + 100, span.endMs - 100) < loud / 100, "silent");
      assert.ok(level(left, 3400, 3900) > loud / 2, "audio after the disk-full");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "WavRecordingFile over a full disk: held within budget, silence-filled past it",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const data = encodeG711("pcmu", stereoTone(8000, 2, 440, 880));
      for (const [name, limit, lost] of [["a", 1 << 20, 0], ["b", 4000, 1]] as const) {
        const { disk, wrap } = fillableDisk();
        const w = await WavRecordingFile.create(`${dir}/${name}.wav`, {
          format: "mulaw",
          channels: 2,
          sampleRate: 8000,
          budget: budgetOf(limit),
          wrapFile: wrap,
        });
        for (let o = 0; o < data.length; o += 3200) {
          disk.full = o >= 8000 && o < 24000;
          await w.write(data.subarray(o, o + 3200));
          await w.tick();
        }
        const done = await w.finish();
        assert.equal(done.durationMs, 2000);
        assert.equal(done.lostSpans?.length, lost);
        const stored = parseWav(await Deno.readFile(done.path)).data;
        assert.equal(stored.length, data.length);
        if (lost === 0) assert.deepEqual(stored, data);
        else {
          const s = done.lostSpans![0];
          assert.ok(stored.subarray(s.startMs * 16, s.endMs * 16).every((b) => b === 0xff));
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
