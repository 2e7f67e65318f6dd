import assert from "node:assert/strict";
import { decodeG711 } from "../codec/g711.ts";
import { AudioBank, conversation, FRAME_SAMPLES, frameOf, SAMPLE_RATE, TONE_HZ } from "./audio.ts";
import { seededRandom } from "./rng.ts";

/** Normalised power of `hz` in `x` (Goertzel). */
function power(x: ArrayLike<number>, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

Deno.test("conversation() is deterministic for a seed and differs between seeds", () => {
  const a = conversation(seededRandom(7), 3);
  const b = conversation(seededRandom(7), 3);
  const c = conversation(seededRandom(8), 3);
  assert.deepEqual(a.customer, b.customer);
  assert.deepEqual(a.agent, b.agent);
  assert.notDeepEqual(a.customer, c.customer);
  assert.equal(a.customer.length, 3 * SAMPLE_RATE);
});

Deno.test("conversation() has speech bursts and pauses, and the two sides take turns", () => {
  const { customer, agent } = conversation(seededRandom(3), 30);
  let loud = 0, quiet = 0, both = 0;
  const frames = customer.length / FRAME_SAMPLES;
  for (let f = 0; f < frames; f++) {
    const c = rms(customer.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES));
    const a = rms(agent.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES));
    if (c > 1000 || a > 1000) loud++;
    if (c < 100 && a < 100) quiet++;
    if (c > 1000 && a > 1000) both++;
  }
  assert.ok(loud > frames * 0.3, `speech in ${loud} of ${frames} frames`);
  assert.ok(quiet > frames * 0.1, `silence in ${quiet} of ${frames} frames`);
  assert.equal(both, 0);
});

Deno.test("AudioBank with tones sends 440 Hz on the customer leg and 880 Hz on the agent leg", () => {
  for (const law of ["pcmu", "pcma"] as const) {
    const audio = new AudioBank({ seed: 1, law, tones: true }).forCall(seededRandom(1));
    const customer = decodeG711(law, frameOf(audio.customer, 3));
    const agent = decodeG711(law, frameOf(audio.agent, 3));
    assert.ok(power(customer, TONE_HZ.customer) > 100 * power(customer, TONE_HZ.agent));
    assert.ok(power(agent, TONE_HZ.agent) > 100 * power(agent, TONE_HZ.customer));
  }
});

Deno.test("AudioBank.forCall() picks the same clip and start for the same call seed", () => {
  const bank = new AudioBank({ seed: 5, law: "pcmu", conversations: 2, seconds: 2 });
  const a = bank.forCall(seededRandom(11));
  const b = bank.forCall(seededRandom(11));
  assert.equal(a.startFrame, b.startFrame);
  assert.equal(a.customer, b.customer);
  assert.equal(frameOf(a.customer, 1000).length, FRAME_SAMPLES);
});
