/**
 * Opus encode speed: stereo 8 kHz, 20 ms frames, complexity 0/5/9, native and WASM.
 * Prints JSON: real-time factor per core and µs per frame.
 * Usage: deno run -A scripts/bench_encode.ts [--seconds 60]
 */
import { createOpusEncoder, type OpusBackend } from "../src/codec/opus_encoder.ts";

const seconds = Number(Deno.args[Deno.args.indexOf("--seconds") + 1] || 60);

/** Speech-like test signal: two drifting harmonics plus seeded noise, per channel. */
function speechLike(n: number): Int16Array {
  const out = new Int16Array(n * 2);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5);
  for (let i = 0; i < n; i++) {
    const t = i / 8000;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t);
    const f = 120 + 40 * Math.sin(2 * Math.PI * 0.5 * t);
    const l = env * (Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(2 * Math.PI * 3 * f * t)) +
      0.1 * rnd();
    const r = env * Math.sin(2 * Math.PI * 1.7 * f * t) + 0.1 * rnd();
    out[2 * i] = l * 6000;
    out[2 * i + 1] = r * 6000;
  }
  return out;
}

const pcm = speechLike(8000 * seconds);
const results = [];
for (const backend of ["native", "wasm"] as OpusBackend[]) {
  for (const complexity of [0, 5, 9]) {
    const enc = await createOpusEncoder({ backend, complexity, sampleRate: 8000, channels: 2 });
    const frames = pcm.length / 320;
    for (let i = 0; i < 50; i++) enc.encode(pcm.subarray(i * 320, i * 320 + 320)); // warm-up
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      bytes += enc.encode(pcm.subarray(i * 320, i * 320 + 320)).length;
    }
    const ms = performance.now() - t0;
    results.push({
      backend,
      complexity,
      sampleRate: 8000,
      channels: 2,
      audioSeconds: seconds,
      realtimeFactor: Math.round((seconds * 1000) / ms),
      usPerFrame: Number(((ms * 1000) / frames).toFixed(1)),
      kbps: Number(((bytes * 8) / seconds / 1000).toFixed(1)),
    });
  }
}
console.log(JSON.stringify({ bench: "opus-encode", deno: Deno.version.deno, results }, null, 2));
