/**
 * The recording's clock: places decoded audio from both legs into one stereo
 * timeline at the recording's sample rate (fixed at its start: 8 kHz narrowband up to
 * 48 kHz) by arrival time + RTP timestamp, so the legs stay in sync when one starts
 * late, pauses or has a gap. Synchronous and I/O-free: `place()` per packet,
 * `drain()` on a timer returns interleaved stereo PCM up to (now − depth).
 *
 * Each stream is anchored once: position = extended RTP timestamp × (rate / RTP clock)
 * + offset, where the offset maps the first packet's timestamp to its arrival time on
 * the recording clock. A timestamp jump (SSRC change, sender restart, clock step) or a
 * change of RTP clock (a re-INVITE to a codec with another clock) re-anchors the stream
 * right after its previous audio, so the recording goes on without a gap.
 */
import { extendTimestamp } from "../rtp/seq.ts";

/** Default samples per second of the timeline (G.711 narrowband). */
export const TIMELINE_RATE = 8000;
/** Ring capacity per channel, in seconds. Packets further ahead than this are dropped. */
const RING_SECONDS = 8;
/** Re-anchor when a packet lands further than this from where its arrival says. */
const REANCHOR_AHEAD_MS = 1000;
/**
 * A packet further behind its arrival than this re-anchors the stream, if its place was
 * already emitted (a timestamp jump back, or a sender clock that fell behind). A late
 * burst whose place is still to come keeps its timestamps: it is only late.
 */
const REANCHOR_BEHIND_MS = 2000;
/**
 * Longest time emission waits for a leg that has gone quiet: its packets may only be
 * late (a burst after a network stall, or a socket this thread has not read yet), and
 * audio placed before its time is emitted is never lost. A leg silent for longer gets
 * silence. A recorder's latency costs nothing; the ring holds {@link RING_SECONDS}.
 */
export const HOLD_BACK_MS = 3000;
/**
 * A drain this much later than the one before means this thread was not running (a GC
 * pause, a starved CPU, a stopped process): its sockets hold unread packets, so for
 * {@link HOLD_BACK_MS} after it emission waits longer for them, up to
 * {@link STALL_HOLD_MS} behind the clock.
 */
export const STALL_MS = 1000;
/**
 * How far behind the clock emission may wait right after a stall: the ring's
 * {@link RING_SECONDS} less the 1 s a packet may run ahead of its arrival, less a margin,
 * so waiting never makes the ring drop the audio of a leg that does send.
 */
export const STALL_HOLD_MS = 6000;
/** A silence on one channel longer than this between packets is a gap. */
export const GAP_MS = 2000;

/** Copies `src` into the ring at absolute sample position `pos`, wrapping at the end. */
function copyIntoRing(ring: Int16Array, pos: number, src: Int16Array): void {
  const size = ring.length;
  const start = pos % size;
  const first = Math.min(src.length, size - start);
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
  /** RTP clock of the timestamps (8000, or 48000 for Opus). */
  clock: number;
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
  #rate: number;
  #perMs: number;
  #ringSize: number;
  #depth: number;
  #origin: number | null = null;
  #emitted = 0;
  #ring: [Int16Array, Int16Array];
  #streams = new Map<string, StreamAnchor>();
  #pauses: { start: number; end: number | null }[] = [];
  #gaps: GapSpan[] = [];
  #maxEnd = 0;
  #lastDrainMs: number | null = null;
  /** Until then (ms) emission waits up to STALL_HOLD_MS: a stall just ended. */
  #graceUntil = -Infinity;
  #stats: TimelineStats = { placedSamples: 0, lateDropped: 0, aheadDropped: 0, reanchors: 0 };

  /**
   * @param depthMs reorder/jitter depth: audio is emitted this long after it is due.
   * @param rate samples per second per channel (the recording's rate).
   */
  constructor(depthMs = 100, rate = TIMELINE_RATE) {
    if (!Number.isInteger(rate) || rate < 8000 || rate > 48000 || rate % 1000 !== 0) {
      throw new RangeError(`Cannot make a timeline at ${rate} Hz: not 8000…48000 in kHz steps`);
    }
    this.#rate = rate;
    this.#perMs = rate / 1000;
    this.#ringSize = rate * RING_SECONDS;
    this.#ring = [new Int16Array(this.#ringSize), new Int16Array(this.#ringSize)];
    this.#depth = Math.round(depthMs * this.#perMs);
  }

  /** Samples per second per channel. */
  get rate(): number {
    return this.#rate;
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
      startMs: p.start / this.#perMs,
      endMs: p.end === null ? null : p.end / this.#perMs,
    }));
  }

  #positionOfTime(arrivalMs: number): number {
    this.#origin ??= arrivalMs;
    return Math.round((arrivalMs - this.#origin) * this.#perMs);
  }

  /**
   * Places one packet's decoded samples (mono, at the timeline's rate) of stream `key`
   * on `channel`; `rtpTimestamp` runs at `clockRate` (the payload format's RTP clock).
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
    clockRate = this.#rate,
  ): boolean {
    const arrivalPos = this.#positionOfTime(arrivalMs);
    const prev = this.#streams.get(key);
    const scale = this.#rate / clockRate;
    let ts = prev ? extendTimestamp(prev.lastTs, rtpTimestamp) : rtpTimestamp;
    let pos = prev ? Math.round(ts * scale) + prev.offset : 0;
    let s: StreamAnchor;
    if (
      !prev || prev.ssrc !== ssrc || prev.clock !== clockRate ||
      pos > arrivalPos + REANCHOR_AHEAD_MS * this.#perMs ||
      (pos < arrivalPos - REANCHOR_BEHIND_MS * this.#perMs && pos + length <= this.#emitted)
    ) {
      if (prev) this.#stats.reanchors++;
      ts = rtpTimestamp;
      // Continue right after the previous audio when the new anchor would overlap it.
      const start = prev
        ? Math.max(arrivalPos, Math.min(prev.end, arrivalPos + this.#depth))
        : arrivalPos;
      s = {
        channel,
        clock: clockRate,
        offset: start - Math.round(ts * scale),
        lastTs: ts,
        end: prev?.end ?? start,
        ssrc,
      };
      this.#streams.set(key, s);
      pos = start;
    } else s = prev;
    if (ts > s.lastTs) s.lastTs = ts;
    if (pos - s.end > GAP_MS * this.#perMs) this.#noteGap(channel, s.end, pos);
    if (pos + length <= this.#emitted) {
      this.#stats.lateDropped++;
      return false;
    }
    if (pos + length > this.#emitted + this.#ringSize) {
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
      if (b - a <= GAP_MS * this.#perMs) continue;
      this.#gaps.push({ channel, startMs: a / this.#perMs, endMs: b / this.#perMs });
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
    const last = this.#lastDrainMs;
    this.#lastDrainMs = nowMs;
    if (last !== null && nowMs - last > STALL_MS) this.#graceUntil = nowMs + HOLD_BACK_MS;
    // Emission waits (up to HOLD_BACK_MS) for the leg furthest behind, so late packets
    // are placed, not dropped, and a recording's end is its last audio, not the BYE.
    // Right after a stall it waits up to STALL_HOLD_MS, for the backlog to be read.
    const due = this.#positionOfTime(nowMs) - this.#depth;
    const hold = nowMs < this.#graceUntil ? STALL_HOLD_MS : HOLD_BACK_MS;
    const silence = due - hold * this.#perMs;
    const target = final ? Math.max(this.#maxEnd, this.#emitted) : Math.min(
      due,
      Math.max(this.#heardEnd(), silence),
      this.#emitted + this.#ringSize,
    );
    if (target <= this.#emitted) return null;
    const n = target - this.#emitted;
    const out = new Int16Array(n * 2);
    const [l, r] = this.#ring;
    // At most two contiguous ring segments: interleave each, then clear it.
    for (let done = 0; done < n;) {
      const start = (this.#emitted + done) % this.#ringSize;
      const len = Math.min(n - done, this.#ringSize - start);
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

  /** Where the leg furthest behind has placed audio up to (every leg has reached it). */
  #heardEnd(): number {
    let end = Infinity;
    for (const s of this.#streams.values()) end = Math.min(end, s.end);
    return end === Infinity ? this.#maxEnd : end;
  }
}
