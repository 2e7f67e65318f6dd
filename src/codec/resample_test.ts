import assert from "node:assert/strict";
import fc from "fast-check";
import { Resampler } from "./resample.ts";
import { goertzel, peakHz } from "./_tone.ts";

function tone(rate: number, hz: number, samples: number, amplitude = 10000): Int16Array {
  return Int16Array.from(
    { length: samples },
    (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

function resampleAll(r: Resampler, input: Int16Array, chunks: number[] = [160]): Int16Array {
  const out = new Int16Array(r.outputFor(input.length));
  let at = 0, o = 0, k = 0;
  while (at < input.length) {
    const n = Math.min(chunks[k++ % chunks.length], input.length - at);
    const w = r.process(input.subarray(at, at + n), out.subarray(o));
    assert.ok(w >= 0);
    at += n;
    o += w;
  }
  assert.equal(o, out.length);
  return out;
}

/** Level of `hz` relative to a full-scale sine of the same amplitude as `ref`, in dB. */
function levelDb(x: Int16Array, rate: number, hz: number, amplitude: number): number {
  return 10 * Math.log10(goertzel(x, rate, hz) / (amplitude * amplitude / 4));
}

Deno.test("Resampler 8 → 16 kHz keeps a 3 kHz tone and leaves no image at 5 kHz", () => {
  const r = new Resampler(8000, 16000);
  const out = resampleAll(r, tone(8000, 3000, 8000)).subarray(800);
  assert.equal(peakHz(out, 16000), 3000);
  const pass = levelDb(out, 16000, 3000, 10000);
  const image = levelDb(out, 16000, 5000, 10000);
  assert.ok(Math.abs(pass) < 0.2, `3 kHz at ${pass.toFixed(2)} dB`);
  assert.ok(image < -60, `5 kHz image at ${image.toFixed(1)} dB`);
});

Deno.test("Resampler 8 → 48 kHz leaves no image at 5, 11 or 13 kHz", () => {
  const r = new Resampler(8000, 48000);
  const out = resampleAll(r, tone(8000, 3000, 8000), [160, 7, 333]).subarray(4800);
  assert.equal(peakHz(out, 48000, 50), 3000);
  for (const hz of [5000, 11000, 13000]) {
    const image = levelDb(out, 48000, hz, 10000);
    assert.ok(image < -60, `${hz} Hz image at ${image.toFixed(1)} dB`);
  }
});

Deno.test("Resampler passband is flat within 0.3 dB to 88 % of the lower Nyquist frequency", () => {
  for (const [from, to] of [[8000, 16000], [16000, 48000], [12000, 16000], [48000, 16000]]) {
    const low = Math.min(from, to) / 2;
    for (const hz of [300, 1000, 0.5 * low, 0.8 * low, 0.87 * low]) {
      const r = new Resampler(from, to);
      const out = resampleAll(r, tone(from, hz, from)).subarray(to / 10);
      const db = levelDb(out, to, hz, 10000);
      assert.ok(Math.abs(db) < 0.3, `${from}→${to}: ${hz} Hz at ${db.toFixed(2)} dB`);
    }
  }
});

Deno.test("Resampler 48 → 16 kHz removes what 16 kHz cannot carry (no alias of 12 kHz at 4 kHz)", () => {
  const r = new Resampler(48000, 16000);
  const out = resampleAll(r, tone(48000, 12000, 48000)).subarray(1600);
  const alias = levelDb(out, 16000, 4000, 10000);
  assert.ok(alias < -60, `alias at ${alias.toFixed(1)} dB`);
});

Deno.test("Resampler output does not depend on how the input is cut (no seams at packet boundaries)", () => {
  const input = tone(8000, 1234, 4000);
  for (const [from, to] of [[8000, 16000], [8000, 48000], [8000, 12000]]) {
    const whole = resampleAll(new Resampler(from, to), input, [input.length]);
    const odd = resampleAll(new Resampler(from, to), input, [1, 159, 13, 80, 7]);
    assert.deepEqual(odd, whole, `${from}→${to}`);
    // No jump bigger than the tone's own steepest step (a click would be).
    const maxStep = 2 * Math.PI * 1234 / to * 10000 * 1.05;
    for (let i = 1; i < odd.length; i++) assert.ok(Math.abs(odd[i] - odd[i - 1]) <= maxStep + 2);
  }
});

Deno.test("Resampler output length tracks input length × ratio, whatever the chunks", () => {
  const rates = [8000, 12000, 16000, 24000, 48000];
  fc.assert(
    fc.property(
      fc.constantFrom(...rates),
      fc.constantFrom(...rates),
      fc.array(fc.nat({ max: 500 }), { maxLength: 30 }),
      (from, to, chunks) => {
        const r = new Resampler(from, to);
        const out = new Int16Array(4000);
        let total = 0, written = 0;
        for (const n of chunks) {
          const want = r.outputFor(n);
          const w = r.process(new Int16Array(n), out);
          assert.equal(w, want);
          total += n;
          written += w;
        }
        assert.equal(written, Math.ceil((total * to) / from));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("Resampler refuses bad rates and a short output buffer without consuming", () => {
  assert.throws(() => new Resampler(0, 16000), RangeError);
  assert.throws(() => new Resampler(8000, 44101), RangeError);
  const r = new Resampler(8000, 16000);
  assert.equal(r.process(new Int16Array(160), new Int16Array(319)), -1);
  assert.equal(r.outputFor(160), 320);
  const same = new Resampler(16000, 16000);
  const x = tone(16000, 440, 100);
  const y = new Int16Array(100);
  assert.equal(same.process(x, y), 100);
  assert.deepEqual(y, x);
});
