/**
 * The recording's clock: places decoded audio from both legs into one stereo
 * timeline by arrival time + RTP timestamp, so the legs stay in sync when one starts
 * late, pauses or has a gap. Synchronous and I/O-free: `place()` per packet,
 * `drain()` on a timer returns interleaved stereo PCM up to (now − depth).
 *
 * Each stream is anchored once: position = extended RTP timestamp + offset, where the
 * offset maps the first packet's timestamp to its arrival time on the recording clock.
 * A timestamp jump (SSRC change, sender restart, clock step) re-anchors the stream.
 */
import { extendTimestamp } from "../rtp/seq.ts";

/** Samples per second of the timeline (G.711 narrowband). */
export const TIMELINE_RATE = 8000;
const SAMPLES_PER_MS = TIMELINE_RATE / 1000;
/** Ring capacity per channel: 8 s. Packets further ahead than this are dropped. */
const RING = TIMELINE_RATE * 8;
/** Re-anchor when a packet lands further than this from where its arrival says. */
const REANCHOR_AHEAD_MS = 1000;
const REANCHOR_BEHIND_MS = 2000;
/** Longest time emission waits for late media while no leg sends: 1 s. */
const HOLD_BACK = TIMELINE_RATE;
/** A silence on one channel longer than this between packets is a gap. */
export const GAP_MS = 2000;

/** Copies `src` into the ring at absolute sample position `pos`, wrapping at the end. */
function copyIntoRing(ring: Int16Array, pos: number, src: Int16Array): void {
  const start = pos % RING;
  const first = Math.min(src.length, RING - start);
  ring.set(src.subarray(0, first), start);
  if (first < src.length) ring.set(src.subarray(first), 0);
}

/** A paused span on the timeline, in ms from the recording's start. */
export interface PauseSpan {
  startMs: number;
  endMs: number | null;
}

/** A media gap on one channel, in ms from the recording's start. */
export interface GapSpan {
  channel: number;
  startMs: number;
  endMs: number;
}

interface StreamAnchor {
  channel: 0 | 1;
  offset: number;
  lastTs: number;
  /** Sample position just after the last placed audio. */
  end: number;
  ssrc: number;
}

/** Counters for one timeline. */
export interface TimelineStats {
  placedSamples: number;
  lateDropped: number;
  aheadDropped: number;
  reanchors: number;
}

/** One recording's stereo timeline. */
export class Timeline {
  #depth: number;
  #origin: number | null = null;
  #emitted = 0;
  #ring = [new Int16Array(RING), new Int16Array(RING)];
  #streams = new Map<string, StreamAnchor>();
  #pauses: { start: number; end: number | null }[] = [];
  #gaps: GapSpan[] = [];
  #maxEnd = 0;
  #stats: TimelineStats = { placedSamples: 0, lateDropped: 0, aheadDropped: 0, reanchors: 0 };

  /** @param depthMs reorder/jitter depth: audio is emitted this long after it is due. */
  constructor(depthMs = 100) {
    this.#depth = Math.round(depthMs * SAMPLES_PER_MS);
  }

  /** Milliseconds (monotonic) of the recording's first audio, or null before any. */
  get originMs(): number | null {
    return this.#origin;
  }

  /** Samples emitted so far (per channel). */
  get emittedSamples(): number {
    return this.#emitted;
  }

  get stats(): TimelineStats {
    return { ...this.#stats };
  }

  /** Gaps longer than {@link GAP_MS} seen so far. */
  get gaps(): readonly GapSpan[] {
    return this.#gaps;
  }

  /** Pause spans in ms from the start. */
  get pauses(): PauseSpan[] {
    return this.#pauses.map((p) => ({
      startMs: p.start / SAMPLES_PER_MS,
      endMs: p.end === null ? null : p.end / SAMPLES_PER_MS,
    }));
  }

  #positionOfTime(arrivalMs: number): number {
    this.#origin ??= arrivalMs;
    return Math.round((arrivalMs - this.#origin) * SAMPLES_PER_MS);
  }

  /**
   * Places one packet's decoded samples (8 kHz mono) of stream `key` on `channel`.
   * `samples` may be null for audio that must be silence (comfort noise, DTMF): the
   * span then only advances the stream. Returns false if the packet was dropped.
   */
  place(
    key: string,
    channel: 0 | 1,
    ssrc: number,
    rtpTimestamp: number,
    arrivalMs: number,
    samples: Int16Array | null,
    length = samples?.length ?? 0,
  ): boolean {
    const arrivalPos = this.#positionOfTime(arrivalMs);
    const prev = this.#streams.get(key);
    let ts = prev ? extendTimestamp(prev.lastTs, rtpTimestamp) : rtpTimestamp;
    let pos = prev ? ts + prev.offset : 0;
    let s: StreamAnchor;
    if (
      !prev || prev.ssrc !== ssrc ||
      pos > arrivalPos + REANCHOR_AHEAD_MS * SAMPLES_PER_MS ||
      pos < arrivalPos - REANCHOR_BEHIND_MS * SAMPLES_PER_MS
    ) {
      if (prev) this.#stats.reanchors++;
      ts = rtpTimestamp;
      // Continue right after the previous audio when the new anchor would overlap it.
      const start = prev
        ? Math.max(arrivalPos, Math.min(prev.end, arrivalPos + this.#depth))
        : arrivalPos;
      s = { channel, offset: start - ts, lastTs: ts, end: prev?.end ?? start, ssrc };
      this.#streams.set(key, s);
      pos = start;
    } else s = prev;
    if (ts > s.lastTs) s.lastTs = ts;
    if (pos - s.end > GAP_MS * SAMPLES_PER_MS) this.#noteGap(channel, s.end, pos);
    if (pos + length <= this.#emitted) {
      this.#stats.lateDropped++;
      return false;
    }
    if (pos + length > this.#emitted + RING) {
      this.#stats.aheadDropped++;
      return false;
    }
    if (samples) {
      const skip = Math.max(0, this.#emitted - pos);
      copyIntoRing(this.#ring[channel], pos + skip, samples.subarray(skip, length));
      this.#stats.placedSamples += length;
    }
    s.end = Math.max(s.end, pos + length);
    this.#maxEnd = Math.max(this.#maxEnd, pos + length);
    return true;
  }

  /**
   * Records the silence from `from` to `to` (samples) on `channel` as gaps, leaving out
   * paused spans: a pause (SRC `a=inactive`, agent, API) is never a gap. Only the parts
   * outside pauses that are longer than {@link GAP_MS} count.
   */
  #noteGap(channel: 0 | 1, from: number, to: number): void {
    let at = from;
    const pieces: [number, number][] = [];
    for (const p of this.#pauses) {
      const end = p.end ?? Infinity;
      if (end <= at || p.start >= to) continue;
      if (p.start > at) pieces.push([at, p.start]);
      at = Math.max(at, end);
      if (at >= to) break;
    }
    if (at < to) pieces.push([at, to]);
    for (const [a, b] of pieces) {
      if (b - a <= GAP_MS * SAMPLES_PER_MS) continue;
      this.#gaps.push({ channel, startMs: a / SAMPLES_PER_MS, endMs: b / SAMPLES_PER_MS });
    }
  }

  /** Starts a pause now: audio from here on is digital silence until {@link resume}. */
  pause(nowMs: number): void {
    const last = this.#pauses.at(-1);
    if (last && last.end === null) return;
    const at = Math.max(this.#emitted, this.#origin === null ? 0 : this.#positionOfTime(nowMs));
    this.#pauses.push({ start: at, end: null });
  }

  /** Ends the current pause. */
  resume(nowMs: number): void {
    const last = this.#pauses.at(-1);
    if (!last || last.end !== null) return;
    last.end = Math.max(last.start, this.#origin === null ? 0 : this.#positionOfTime(nowMs));
  }

  get paused(): boolean {
    return this.#pauses.at(-1)?.end === null;
  }

  /**
   * Emits interleaved stereo PCM from the last emitted sample up to (now − depth), or
   * up to the end of all placed audio when `final`. Returns null when nothing is due.
   */
  drain(nowMs: number, final = false): Int16Array | null {
    if (this.#origin === null) return null;
    // While no leg sends, hold emission back (up to HOLD_BACK) so that a recording's
    // end is its last audio, not the moment of the BYE.
    const due = this.#positionOfTime(nowMs) - this.#depth;
    const target = final
      ? Math.max(this.#maxEnd, this.#emitted)
      : Math.min(due, Math.max(this.#maxEnd, due - HOLD_BACK), this.#emitted + RING);
    if (target <= this.#emitted) return null;
    const n = target - this.#emitted;
    const out = new Int16Array(n * 2);
    const [l, r] = this.#ring;
    // At most two contiguous ring segments: interleave each, then clear it.
    for (let done = 0; done < n;) {
      const start = (this.#emitted + done) % RING;
      const len = Math.min(n - done, RING - start);
      for (let i = 0, o = 2 * done; i < len; i++, o += 2) {
        out[o] = l[start + i];
        out[o + 1] = r[start + i];
      }
      l.fill(0, start, start + len);
      r.fill(0, start, start + len);
      done += len;
    }
    for (const p of this.#pauses) {
      const from = Math.max(p.start, this.#emitted), to = Math.min(p.end ?? Infinity, target);
      if (to > from) out.fill(0, (from - this.#emitted) * 2, (to - this.#emitted) * 2);
    }
    this.#emitted = target;
    return out;
  }
}
