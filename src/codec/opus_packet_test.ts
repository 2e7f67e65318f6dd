import assert from "node:assert/strict";
import { OpusDecoder } from "opus-decoder";
import { stereoTone } from "../../tests/helpers/audio.ts";
import { createOpusEncoder } from "./opus_encoder.ts";
import { emptyOpusPacket, multistreamPacket, opusFrames, selfDelimited } from "./opus_packet.ts";

const TOC = 0x08; // SILK NB 20 ms, mono; the low 2 bits are the frame count code

Deno.test("opusFrames() splits codes 0, 1, 2 and 3 (CBR, VBR, padding)", () => {
  const sizes = (p: number[]) => opusFrames(Uint8Array.from(p)).frames.map((f) => [...f]);
  assert.deepEqual(sizes([TOC, 1, 2, 3]), [[1, 2, 3]]);
  assert.deepEqual(sizes([TOC | 1, 1, 2, 3, 4]), [[1, 2], [3, 4]]);
  assert.deepEqual(sizes([TOC | 2, 1, 9, 3, 4]), [[9], [3, 4]]);
  assert.deepEqual(sizes([TOC | 3, 3, 1, 2, 3]), [[1], [2], [3]]);
  // VBR, padding of 2 bytes, lengths 1 and 2, last frame takes the rest.
  assert.deepEqual(sizes([TOC | 3, 0xc3, 2, 1, 2, 7, 8, 8, 9, 9, 9, 0, 0]), [[7], [8, 8], [
    9,
    9,
    9,
  ]]);
  // A two-byte length: 252 + 4 × 1 = 256.
  const long = [TOC | 2, 252, 1, ...new Array(256).fill(5), 6];
  assert.deepEqual(opusFrames(Uint8Array.from(long)).frames.map((f) => f.length), [256, 1]);
});

Deno.test("opusFrames() rejects malformed packets with RangeError", () => {
  for (
    const bad of [
      [],
      [TOC | 1, 1, 2, 3],
      [TOC | 2, 9, 1],
      [TOC | 2, 252],
      [TOC | 3],
      [TOC | 3, 0],
      [TOC | 3, 2, 1, 2, 3],
      [TOC | 3, 0x42, 200, 1, 1],
      [TOC | 3, 0x82, 5, 1],
      [TOC | 3, 0x41, 255],
    ]
  ) {
    assert.throws(() => opusFrames(Uint8Array.from(bad)), RangeError, JSON.stringify(bad));
  }
});

Deno.test("opusFrames() and selfDelimited() never throw anything but RangeError", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 5000; i++) {
    const p = Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
    try {
      const frames = opusFrames(p).frames;
      const again = selfDelimited(p);
      assert.equal(again[0] & ~3, p[0] & ~3);
      assert.ok(frames.every((f) => f.length <= 1275));
    } catch (e) {
      assert.ok(e instanceof RangeError, String(e));
    }
  }
});

Deno.test("selfDelimited() codes the last frame length too (RFC 6716 Appendix B)", () => {
  assert.deepEqual([...selfDelimited(Uint8Array.of(TOC, 7, 7))], [TOC, 2, 7, 7]);
  assert.deepEqual([...selfDelimited(Uint8Array.of(TOC | 1, 1, 2))], [TOC | 1, 1, 1, 2]);
  assert.deepEqual([...selfDelimited(Uint8Array.of(TOC | 2, 1, 9, 3, 4))], [
    TOC | 2,
    1,
    2,
    9,
    3,
    4,
  ]);
  assert.deepEqual([...selfDelimited(Uint8Array.of(TOC | 3, 3, 1, 2, 3))], [
    TOC | 3,
    0x83,
    1,
    1,
    1,
    1,
    2,
    3,
  ]);
  assert.deepEqual([...selfDelimited(Uint8Array.of(TOC))], [TOC, 0]);
});

/** Decode packets with libopus (opus-decoder); multistream when `streams` is 2. */
async function decode(packets: Uint8Array[], streams: 1 | 2): Promise<Float32Array[]> {
  const d = new OpusDecoder(
    streams === 1 ? { channels: 1 } : {
      channels: 2,
      streamCount: 2,
      coupledStreamCount: 0,
      channelMappingTable: [0, 1],
    },
  );
  await d.ready;
  try {
    const out = d.decodeFrames(packets);
    assert.equal(out.errors.length, 0, JSON.stringify(out.errors));
    return out.channelData;
  } finally {
    d.free();
  }
}

Deno.test("libopus decodes multistream packets of every code as the separate streams", async () => {
  const enc = await createOpusEncoder({ channels: 1, sampleRate: 8000, frameMs: 10 });
  const tone = stereoTone(8000, 0.4, 440, 880);
  const left = Int16Array.from({ length: tone.length / 2 }, (_, i) => tone[2 * i]);
  const right = Int16Array.from({ length: tone.length / 2 }, (_, i) => tone[2 * i + 1]);
  const frames = (pcm: Int16Array) => {
    const out: Uint8Array[] = [];
    for (let o = 0; o + 80 <= pcm.length; o += 80) out.push(enc.encode(pcm.subarray(o, o + 80)));
    return out;
  };
  const a = frames(left), b = frames(right);
  const join = (...parts: (number[] | Uint8Array)[]) =>
    Uint8Array.from(parts.flatMap((p) => [...p]));
  const len = (n: number) => n < 252 ? [n] : [252 + (n & 3), (n - 252 - (n & 3)) >> 2];
  // Pair 10 ms frames into 20 ms packets of each framing code, padding included.
  const codes = (fs: Uint8Array[]) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i + 1 < fs.length; i += 2) {
      const [x, y] = [fs[i].subarray(1), fs[i + 1].subarray(1)];
      const toc = fs[i][0] & ~3;
      const kind = (i / 2) % 3;
      if (kind === 0) out.push(join([toc | 2], len(x.length), x, y));
      else if (kind === 1) out.push(join([toc | 3, 0xc2, 3], len(x.length), x, y, [0, 0, 0]));
      else out.push(join([toc | 3, 0x82], len(x.length), x, y));
    }
    return out;
  };
  const pa = codes(a), pb = codes(b);
  const mono = [await decode(pa, 1), await decode(pb, 1)];
  const multi = await decode(pa.map((p, i) => multistreamPacket([p, pb[i]])), 2);
  assert.ok(mono[0][0].length > 3000);
  assert.deepEqual(multi[0], mono[0][0]);
  assert.deepEqual(multi[1], mono[1][0]);
  const empty = await decode([emptyOpusPacket(2, 0)], 2);
  assert.equal(empty[0].length, 960);
  assert.ok(empty.every((c) => c.every((s) => s === 0)));
});
