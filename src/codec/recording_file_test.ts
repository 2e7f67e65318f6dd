import assert from "node:assert/strict";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { goertzel, run } from "./_tone.ts";
import { encodeG711 } from "./g711.ts";
import { OGG_EOS, scanOggPages } from "./ogg.ts";
import { decodeOggOpus } from "./opus_decode.ts";
import { createOpusEncoder, type OpusFrameEncoder } from "./opus_encoder.ts";
import { opusComment } from "./opus_head.ts";
import { OpusRecordingFile, recoverPartial, WavRecordingFile } from "./recording_file.ts";
import { parseWav } from "./wav.ts";

const io = { sanitizeOps: true, sanitizeResources: true };

function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function opusFile(path: string, clock = fakeClock(), maxPageMs?: number) {
  const enc = await createOpusEncoder({ complexity: 0 });
  const file = await OpusRecordingFile.create(path, {
    serial: 99,
    channels: 2,
    preSkip: enc.preSkip,
    mapping: enc.mapping,
    inputSampleRate: 8000,
    comments: [opusComment("CALLID", "crash-test")],
    now: clock.now,
    maxPageMs,
  });
  return { enc, file, clock };
}

/** Feed `seconds` of the 440/880 tone, advancing the clock 20 ms per frame. */
async function feed(
  f: { enc: OpusFrameEncoder; file: OpusRecordingFile; clock: ReturnType<typeof fakeClock> },
  seconds: number,
) {
  const pcm = stereoTone(8000, seconds, 440, 880);
  for (let o = 0; o + 320 <= pcm.length; o += 320) {
    f.clock.advance(20);
    await f.file.writePacket(f.enc.encode(pcm.subarray(o, o + 320)), 960);
  }
}

async function opusinfoClean(path: string) {
  const info = await run("opusinfo", [path]);
  assert.equal(info.code, 0, info.out + info.err);
  assert.doesNotMatch(info.out + info.err, /WARNING|ERROR/i, info.out + info.err);
}

async function ffprobeSeconds(path: string): Promise<number> {
  const r = await run("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration",
    "-of",
    "csv=p=0",
    path,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, "");
  return Number(r.out);
}

Deno.test({
  name: "OpusRecordingFile.finish() renames to the final name with a matching SHA-256",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      const f = await opusFile(`${dir}/a.ogg`);
      await feed(f, 2);
      const done = await f.file.finish();
      assert.equal(done.path, `${dir}/a.ogg`);
      await assert.rejects(() => Deno.stat(`${dir}/a.ogg.partial`), Deno.errors.NotFound);
      const sum = await run("sha256sum", [done.path]);
      assert.equal(sum.out.split(" ")[0], done.sha256);
      assert.equal(done.bytes, (await Deno.stat(done.path)).size);
      await opusinfoClean(done.path);
      // ffprobe reports the last granule (pre-skip included) as the duration.
      assert.ok(Math.abs((await ffprobeSeconds(done.path)) * 1000 - done.durationMs) < 10);
      assert.ok(Math.abs(done.durationMs - 2000) < 10, String(done.durationMs));
    }),
});

Deno.test({
  name: "OpusRecordingFile writes a page to disk at least every second of wall clock",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      const f = await opusFile(`${dir}/b.ogg`, fakeClock(), 60_000);
      const audioPages = async () =>
        scanOggPages(await Deno.readFile(f.file.partialPath)).pages.length - 2;
      await feed(f, 0.9);
      assert.equal(await audioPages(), 0);
      await feed(f, 0.2);
      assert.equal(await audioPages(), 1);
      f.clock.advance(1000);
      await f.file.tick();
      assert.equal(await audioPages(), 2, "tick() flushes when no packet arrives");
      f.file.abandon();
    }),
});

Deno.test({
  name: "OpusRecordingFile refuses to overwrite an existing recording",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      await Deno.writeFile(`${dir}/c.ogg`, new Uint8Array(1));
      await assert.rejects(() => opusFile(`${dir}/c.ogg`), Deno.errors.AlreadyExists);
    }),
});

Deno.test({
  name: "recoverPartial() cuts an Ogg cut mid-page at the last valid page into a clean file",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      const f = await opusFile(`${dir}/d.ogg`);
      await feed(f, 3.5);
      f.file.abandon();
      const partial = `${dir}/d.ogg.partial`;
      const size = (await Deno.stat(partial)).size;
      await Deno.truncate(partial, size - 25);
      const r = await recoverPartial(partial);
      assert.equal(r.path, `${dir}/d.ogg`);
      await opusinfoClean(r.path);
      const bytes = await Deno.readFile(r.path);
      const pages = scanOggPages(bytes).pages;
      assert.equal(pages.at(-1)!.page.headerType & OGG_EOS, OGG_EOS);
      assert.ok(r.durationMs >= 3500 - 2000, `audio sent minus 2 s survives: ${r.durationMs}`);
      assert.equal(r.durationMs, (pages.at(-1)!.page.granule - f.enc.preSkip) / 48);
      assert.ok(Math.abs((await ffprobeSeconds(r.path)) * 1000 - r.durationMs) < 10);
      const dec = await decodeOggOpus(bytes);
      const left = dec.channelData[0].subarray(4800);
      assert.ok(goertzel(left, 48000, 440) > 100 * goertzel(left, 48000, 880));
      assert.equal((await run("sha256sum", [r.path])).out.split(" ")[0], r.sha256);
    }),
});

Deno.test({
  name: "recoverPartial() stops at a corrupted page and closes a headers-only file",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      const f = await opusFile(`${dir}/e.ogg`);
      await feed(f, 2.5);
      f.file.abandon();
      const bytes = await Deno.readFile(`${dir}/e.ogg.partial`);
      const pages = scanOggPages(bytes).pages;
      bytes[pages[3].offset + 40] ^= 0xff;
      await Deno.writeFile(`${dir}/e.ogg.partial`, bytes);
      const r = await recoverPartial(`${dir}/e.ogg.partial`);
      await opusinfoClean(r.path);
      assert.equal(r.durationMs, (pages[2].page.granule - f.enc.preSkip) / 48);

      const g = await opusFile(`${dir}/h.ogg`);
      g.file.abandon();
      const h = await recoverPartial(`${dir}/h.ogg.partial`);
      await opusinfoClean(h.path);
      assert.ok(h.durationMs < 20);
      const empty = await decodeOggOpus(await Deno.readFile(h.path));
      assert.deepEqual([empty.channels, empty.errors], [2, 0]);
    }),
});

Deno.test({
  name: "WavRecordingFile keeps G.711 as-is; finish and crash recovery give ffprobe-clean files",
  ...io,
  fn: () =>
    withDir(async (dir) => {
      const data = encodeG711("pcmu", stereoTone(8000, 1, 440, 880));
      const w = await WavRecordingFile.create(`${dir}/f.wav`, {
        format: "mulaw",
        channels: 2,
        sampleRate: 8000,
      });
      for (let o = 0; o < data.length; o += 320) await w.write(data.subarray(o, o + 320));
      const done = await w.finish();
      assert.equal(done.durationMs, 1000);
      assert.equal(await ffprobeSeconds(done.path), 1);
      assert.deepEqual(parseWav(await Deno.readFile(done.path)).data, data);

      const c = await WavRecordingFile.create(`${dir}/g.wav`, {
        format: "alaw",
        channels: 2,
        sampleRate: 8000,
      });
      await c.write(data);
      c.abandon();
      await Deno.truncate(`${dir}/g.wav.partial`, 58 + 8001);
      const r = await recoverPartial(`${dir}/g.wav.partial`);
      assert.equal(r.durationMs, 500);
      assert.equal(await ffprobeSeconds(r.path), 0.5);
      assert.equal(r.bytes, 58 + 8000);
    }),
});
