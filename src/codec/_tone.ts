/**
 * Test helpers: Goertzel tone detection, channel split, running a tool.
 * Internal to src/codec (underscore file), not part of the module API.
 */

/** Normalised power of `hz` in `samples` (Goertzel); `samples` is one channel. */
export function goertzel(samples: ArrayLike<number>, sampleRate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/** Split interleaved stereo Int16 into two Float32 channels. */
export function deinterleave(pcm: Int16Array): [Float32Array, Float32Array] {
  const l = new Float32Array(pcm.length / 2);
  const r = new Float32Array(pcm.length / 2);
  for (let i = 0; i < l.length; i++) {
    l[i] = pcm[2 * i];
    r[i] = pcm[2 * i + 1];
  }
  return [l, r];
}

/** Run a command; returns exit code, stdout and stderr as text. */
export async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** The strongest frequency in `samples`, scanned by Goertzel in `stepHz` steps up to Nyquist. */
export function peakHz(samples: ArrayLike<number>, sampleRate: number, stepHz = 25): number {
  let best = 0, bestPower = -1;
  for (let hz = stepHz; hz < sampleRate / 2; hz += stepHz) {
    const p = goertzel(samples, sampleRate, hz);
    if (p > bestPower) {
      bestPower = p;
      best = hz;
    }
  }
  return best;
}

/** Power of `hz` relative to the whole signal's power, in dB (0 dB = all of it). */
export function toneShareDb(samples: ArrayLike<number>, sampleRate: number, hz: number): number {
  let total = 0;
  for (let i = 0; i < samples.length; i++) total += samples[i] * samples[i];
  const mean = total / Math.max(1, samples.length);
  // A sine of amplitude A has Goertzel power A²/4 and mean power A²/2.
  return 10 * Math.log10((2 * goertzel(samples, sampleRate, hz)) / Math.max(1e-9, mean));
}
