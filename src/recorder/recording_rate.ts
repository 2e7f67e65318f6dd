/**
 * The sample rate a recording is made at, fixed when it starts: the widest audio rate its
 * legs carry — 8 kHz for G.711 and G.729, 16 kHz for G.722, the stream's own rate for Opus
 * (its `maxplaybackrate`/`sprop-maxcapturerate`, RFC 7587 §6.1) — capped by
 * `recorder.maxSampleRate`. A leg's rate is that of the first audio codec its answer
 * lists: the SRC's preference, which it sends. A leg at a lower rate (or a codec change
 * mid-call) is resampled to the recording's rate; the rate itself never changes.
 */
import { codecSampleRate, OPUS_RATES } from "../codec/packet_decoder.ts";
import type { SessionStream } from "./session.ts";

/** Rates a recording can be made at (the Opus encoder's input rates). */
export const RECORDING_RATES = [8000, 16000, 24000, 48000] as const;
/** A recording's sample rate. */
export type RecordingRate = (typeof RECORDING_RATES)[number];

/** `a=fmtp` parameters `k=v; k2=v2` (RFC 7587 §6.1 style) as a record; names lower-cased. */
export function parseFmtp(fmtp: string | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (fmtp ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The audio rate one stream carries: its first audio codec's; null when it has none. */
export function streamRate(codecs: SessionStream["codecs"]): number | null {
  for (const c of codecs) {
    const rate = codecSampleRate(c.name, parseFmtp(c.fmtp));
    if (rate !== null) return rate;
  }
  return null;
}

/**
 * The rate of a recording of `streams`: the widest stream rate rounded up to an Opus
 * rate, at most `maxSampleRate`; 8000 when no stream names an audio codec.
 */
export function recordingRate(
  streams: readonly Pick<SessionStream, "codecs" | "port">[],
  maxSampleRate: number,
): number {
  let widest = 8000;
  for (const s of streams) {
    if (s.port <= 0) continue;
    widest = Math.max(widest, streamRate(s.codecs) ?? 8000);
  }
  const rate = OPUS_RATES.find((r) => r >= widest) ?? 48000;
  return Math.max(8000, Math.min(rate, maxSampleRate));
}
