/** Audio checks for tests: tone power by Goertzel, RMS, and RTP tone senders. */
import assert from "node:assert/strict";
import { encodeG711 } from "../../src/codec/g711.ts";
import { serializeRtpPacket } from "../../src/rtp/packet.ts";

/** Interleaved 16-bit stereo PCM: `leftHz` on the left channel, `rightHz` on the right. */
export function stereoTone(
  rate: number,
  seconds: number,
  leftHz: number,
  rightHz: number,
  amplitude = 8000,
): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = Math.round(amplitude * Math.sin((2 * Math.PI * leftHz * i) / rate));
    out[2 * i + 1] = Math.round(amplitude * Math.sin((2 * Math.PI * rightHz * i) / rate));
  }
  return out;
}

/** Relative power of `hz` in `samples` (Goertzel), normalised by length. */
export function tonePower(samples: ArrayLike<number>, rate: number, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

/**
 * The quietest and loudest 20 ms frame (RMS) of `samples` at `rate`: a steady tone keeps
 * them close; a dropout, a click or another call's audio spreads them apart.
 */
export function frameLevels(
  samples: ArrayLike<number>,
  rate: number,
): { min: number; max: number } {
  const frame = rate / 50;
  let min = Infinity, max = 0;
  for (let at = 0; at + frame <= samples.length; at += frame) {
    const level = rms(samples, at, at + frame);
    min = Math.min(min, level);
    max = Math.max(max, level);
  }
  return { min, max };
}

/**
 * Checks the two parties of a `--tones` recording over a span: the customer's 440 Hz
 * dominant on the left, the agent's 880 Hz on the right, and every 20 ms frame of both
 * at the tone's steady level (RMS 0.12–0.23), so no dropout, click or other call's audio.
 */
export function assertPartyTones(left: Float32Array, right: Float32Array, rate: number): void {
  assert.equal(dominantTone(left, rate, 440, 880), 440, "customer on the left");
  assert.equal(dominantTone(right, rate, 440, 880), 880, "agent on the right");
  for (const [name, ch] of [["left", left], ["right", right]] as const) {
    const { min, max } = frameLevels(ch, rate);
    assert.ok(min > 0.12 && max < 0.23, `${name} frames ${min.toFixed(3)}…${max.toFixed(3)}`);
  }
}

/** Root mean square of a span. */
export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Which of two tones dominates a span. */
export function dominantTone(
  samples: Float32Array,
  rate: number,
  a: number,
  b: number,
): number | null {
  const pa = tonePower(samples, rate, a), pb = tonePower(samples, rate, b);
  if (Math.max(pa, pb) < 1e-6) return null;
  return pa > pb * 10 ? a : pb > pa * 10 ? b : null;
}

/** Impairments for a paced RTP tone leg. */
export interface LegOptions {
  hz: number;
  /** A tone per second of the leg instead of `hz` throughout (a ramp that shows order). */
  hzPerSecond?: number[];
  port: number;
  host?: string;
  /** Milliseconds of audio. */
  durationMs: number;
  /** Delay before the first packet. */
  startDelayMs?: number;
  /** Drop every packet whose index % lossEvery === lossEvery-1 (e.g. 20 → 5% loss). */
  lossEvery?: number;
  /** Swap every n-th pair of packets. */
  reorderEvery?: number;
  /** Send every n-th packet twice. */
  duplicateEvery?: number;
  /** Change SSRC (and sequence/timestamp base) at this packet index. */
  ssrcChangeAt?: number;
  /** Stop sending in [from, to) ms (paused by nothing: a plain gap). */
  silenceFromMs?: number;
  silenceToMs?: number;
  payloadType?: 0 | 8;
  /** Called before each send with the elapsed ms; return true to skip. */
  skip?: (ms: number) => boolean;
}

/** Sends a paced 20 ms PCMU/PCMA tone leg from `sock` with the given impairments. */
export async function sendToneLeg(sock: Deno.DatagramConn, o: LegOptions): Promise<number> {
  const law = o.payloadType === 8 ? "pcma" : "pcmu";
  const packets = Math.round(o.durationMs / 20);
  let ssrc = 0x1000 + Math.floor(Math.random() * 1e6), seq0 = 100, ts0 = 5000;
  const built: Uint8Array[] = [];
  for (let i = 0; i < packets; i++) {
    if (o.ssrcChangeAt !== undefined && i === o.ssrcChangeAt) {
      ssrc += 7777;
      seq0 = 40000 - i;
      ts0 = 123456789 - i * 160;
    }
    const pcm = new Int16Array(160);
    const hz = o.hzPerSecond?.[Math.floor(i / 50)] ?? o.hz;
    for (let j = 0; j < 160; j++) {
      pcm[j] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (i * 160 + j)) / 8000));
    }
    built.push(serializeRtpPacket({
      payloadType: law === "pcmu" ? 0 : 8,
      sequenceNumber: (seq0 + i) & 0xffff,
      timestamp: (ts0 + i * 160) >>> 0,
      ssrc,
      marker: i === 0,
      payload: encodeG711(law, pcm),
    }));
  }
  const order = built.map((_, i) => i);
  if (o.reorderEvery) {
    for (let i = 1; i + 1 < order.length; i += o.reorderEvery) {
      [order[i], order[i + 1]] = [order[i + 1], order[i]];
    }
  }
  const addr = { transport: "udp" as const, hostname: o.host ?? "127.0.0.1", port: o.port };
  if (o.startDelayMs) await new Promise((r) => setTimeout(r, o.startDelayMs));
  const t0 = performance.now();
  let sent = 0;
  for (let n = 0; n < order.length; n++) {
    const i = order[n];
    const due = t0 + n * 20;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const ms = n * 20;
    if (o.lossEvery && i % o.lossEvery === o.lossEvery - 1) continue;
    if (
      o.silenceFromMs !== undefined && ms >= o.silenceFromMs && ms < (o.silenceToMs ?? Infinity)
    ) {
      continue;
    }
    if (o.skip?.(ms)) continue;
    await sock.send(built[i], addr);
    sent++;
    if (o.duplicateEvery && i % o.duplicateEvery === 0) await sock.send(built[i], addr);
  }
  return sent;
}
