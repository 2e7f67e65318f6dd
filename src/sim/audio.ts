/**
 * Synthetic call audio for the load client: speech-like conversations (two voices
 * taking turns, syllables of harmonic tones shaped by two formants, pauses between
 * words and turns, faint line noise) or plain test tones (customer 440 Hz, agent
 * 880 Hz). Audio is synthesized once into a few looping clips and G.711-encoded;
 * each call reads 20 ms frames from a random offset, so sending costs no synthesis.
 */
import { encodeG711 } from "../codec/g711.ts";
import { type Random, randomInt, seededRandom } from "./rng.ts";

/** Codec of the sent payload: G.711 (encoded here) or G.722/G.729 (sim_encoders.ts). */
export type Law = "pcmu" | "pcma" | "g722" | "g729";

/** Narrowband sample rate (RFC 3551 §4.5.14). */
export const SAMPLE_RATE = 8000;
/** Samples in one 20 ms RTP packet. */
export const FRAME_SAMPLES = 160;
/** Customer and agent frequencies with `tones`. */
export const TONE_HZ = { customer: 440, agent: 880 } as const;

/** Both sides of one conversation as 16-bit PCM, equal lengths, a multiple of 160. */
export interface Conversation {
  customer: Int16Array;
  agent: Int16Array;
}

interface Voice {
  f0: number;
  amplitude: number;
}

const TWO_PI = 2 * Math.PI;

/** A whole-cycle sine loop of `seconds` (1 s holds a whole number of cycles of any integer Hz). */
export function toneLoop(hz: number, seconds = 1, amplitude = 8000): Int16Array {
  const n = Math.round(SAMPLE_RATE * seconds / FRAME_SAMPLES) * FRAME_SAMPLES;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(amplitude * Math.sin(TWO_PI * hz * i / SAMPLE_RATE));
  }
  return out;
}

/** Gain of a resonance at `hz` with centre `fc` and bandwidth `bw` (a formant). */
function resonance(hz: number, fc: number, bw: number): number {
  const d = (hz - fc) / bw;
  return 1 / (1 + d * d);
}

/** Writes one syllable (voiced, two formants, gliding pitch) into `out` from `start`. */
function syllable(out: Float32Array, start: number, length: number, v: Voice, rng: Random): void {
  const f1 = 300 + rng() * 500;
  const f2 = 900 + rng() * 1400;
  const f0 = v.f0 * (0.9 + rng() * 0.2);
  const glide = (rng() - 0.5) * 0.2;
  const count = Math.floor(3400 / (f0 * (1 + Math.abs(glide))));
  const gains = new Float32Array(count + 1);
  let sum = 0;
  for (let k = 1; k <= count; k++) {
    gains[k] = (resonance(k * f0, f1, 90) + 0.6 * resonance(k * f0, f2, 120) + 0.02) / k ** 0.5;
    sum += gains[k];
  }
  const scale = v.amplitude / sum;
  let phase = 0;
  const end = Math.min(out.length, start + length);
  for (let i = start; i < end; i++) {
    const t = (i - start) / length;
    phase += TWO_PI * f0 * (1 + glide * t) / SAMPLE_RATE;
    const env = Math.sin(Math.PI * t) ** 0.7;
    let s = 0;
    for (let k = 1; k <= count; k++) s += gains[k] * Math.sin(k * phase);
    out[i] += env * scale * s;
  }
}

/** Fills `[from, to)` of `out` with words of syllables; returns where speech ended. */
function speakTurn(out: Float32Array, from: number, to: number, v: Voice, rng: Random): number {
  const ms = (x: number) => Math.round(x * SAMPLE_RATE / 1000);
  let pos = from;
  while (pos < to) {
    const syllables = randomInt(rng, 1, 3);
    for (let s = 0; s < syllables && pos < to; s++) {
      const len = ms(randomInt(rng, 120, 280));
      syllable(out, pos, Math.min(len, to - pos), v, rng);
      pos += len + ms(randomInt(rng, 15, 60));
    }
    pos += ms(randomInt(rng, 60, 220));
  }
  return Math.min(pos, to);
}

/**
 * A conversation of `seconds`: customer and agent take turns of 1.5–6 s with
 * 0.2–0.9 s between them, over faint noise. Deterministic for a given `rng` state.
 */
export function conversation(rng: Random, seconds: number): Conversation {
  const n = Math.round(SAMPLE_RATE * seconds / FRAME_SAMPLES) * FRAME_SAMPLES;
  const sides = { customer: new Float32Array(n), agent: new Float32Array(n) };
  const voices: Record<keyof Conversation, Voice> = {
    customer: { f0: 180 + rng() * 60, amplitude: 9000 },
    agent: { f0: 100 + rng() * 40, amplitude: 8000 },
  };
  let who: keyof Conversation = rng() < 0.5 ? "customer" : "agent";
  let pos = Math.round(rng() * SAMPLE_RATE * 0.5);
  while (pos < n) {
    const turn = Math.round(SAMPLE_RATE * (1.5 + rng() * 4.5));
    pos = speakTurn(sides[who], pos, Math.min(n, pos + turn), voices[who], rng);
    pos += Math.round(SAMPLE_RATE * (0.2 + rng() * 0.7));
    who = who === "customer" ? "agent" : "customer";
  }
  const toPcm = (x: Float32Array) =>
    Int16Array.from(
      x,
      (s) => Math.max(-32768, Math.min(32767, Math.round(s + (rng() - 0.5) * 40))),
    );
  return { customer: toPcm(sides.customer), agent: toPcm(sides.agent) };
}

/** Encoded audio of one call: both legs and the frame each starts at. */
export interface CallAudio {
  customer: Uint8Array;
  agent: Uint8Array;
  /** Frame index (of 160 samples) the call starts reading at. */
  startFrame: number;
}

/** Options of {@link AudioBank}. */
export interface AudioBankOptions {
  seed: number;
  law: Law;
  /** Test tones instead of speech. */
  tones?: boolean;
  /** Distinct conversations synthesized (default 4). */
  conversations?: number;
  /** Length of each looping conversation in seconds (default 30). */
  seconds?: number;
  /** Clips already encoded by {@link encodeClips} (G.722, G.729); G.711 is encoded here. */
  encoded?: { customer: Uint8Array; agent: Uint8Array }[];
}

/** The 8 kHz PCM of the clips an {@link AudioBank} with these options holds. */
export function clipPcm(o: AudioBankOptions): { customer: Int16Array; agent: Int16Array }[] {
  if (o.tones) return [{ customer: toneLoop(TONE_HZ.customer), agent: toneLoop(TONE_HZ.agent) }];
  const rng = seededRandom(o.seed ^ 0x5eed);
  const out = [];
  for (let i = 0; i < (o.conversations ?? 4); i++) out.push(conversation(rng, o.seconds ?? 30));
  return out;
}

/** Clips encoded by `encode` (an encoder of sim_encoders.ts), for {@link AudioBankOptions}. */
export async function encodeClips(
  o: AudioBankOptions,
  encode: (pcm: Int16Array) => Promise<Uint8Array>,
): Promise<{ customer: Uint8Array; agent: Uint8Array }[]> {
  const out = [];
  for (const c of clipPcm(o)) {
    out.push({ customer: await encode(c.customer), agent: await encode(c.agent) });
  }
  return out;
}

/** The few pre-encoded clips every call of a run loops over. */
export class AudioBank {
  #clips: { customer: Uint8Array; agent: Uint8Array }[];
  #tones: boolean;
  /** Payload bytes of one 20 ms packet. */
  readonly frameBytes: number;

  constructor(o: AudioBankOptions) {
    this.#tones = o.tones ?? false;
    this.frameBytes = o.law === "g729" ? 20 : FRAME_SAMPLES;
    if (o.encoded) {
      this.#clips = o.encoded;
      return;
    }
    if (o.law !== "pcmu" && o.law !== "pcma") {
      throw new TypeError(`AudioBank needs encoded clips for "${o.law}" (encodeClips)`);
    }
    const law = o.law;
    const encode = (pcm: Int16Array) => encodeG711(law, pcm);
    if (o.tones) {
      const customer = encode(toneLoop(TONE_HZ.customer));
      const agent = encode(toneLoop(TONE_HZ.agent));
      this.#clips = [{ customer, agent }];
      return;
    }
    const rng = seededRandom(o.seed ^ 0x5eed);
    this.#clips = [];
    for (let i = 0; i < (o.conversations ?? 4); i++) {
      const c = conversation(rng, o.seconds ?? 30);
      this.#clips.push({ customer: encode(c.customer), agent: encode(c.agent) });
    }
  }

  /** Picks a clip and start frame for one call. Tones always start at frame 0. */
  forCall(rng: Random): CallAudio {
    const clip = this.#clips[Math.floor(rng() * this.#clips.length)];
    const frames = clip.customer.length / this.frameBytes;
    const startFrame = this.#tones ? 0 : randomInt(rng, 0, frames - 1);
    return { ...clip, startFrame };
  }
}

/** The payload of frame `n` of a looping clip of `bytes`-byte frames (a view, not a copy). */
export function frameOf(clip: Uint8Array, n: number, bytes = FRAME_SAMPLES): Uint8Array {
  const frames = clip.length / bytes;
  const i = n % frames;
  return clip.subarray(i * bytes, (i + 1) * bytes);
}
