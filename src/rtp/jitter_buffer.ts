/**
 * Per-stream reorder/jitter buffer as a synchronous, I/O-free core. Packets go in with
 * their arrival time; packets come out in sequence order on one continuous timeline,
 * with explicit loss gaps so the caller can fill silence or run Opus PLC.
 *
 * - Sequence numbers and timestamps are unwrapped (RFC 3550 A.1) into "extended" output
 *   values that keep counting across SSRC changes and sequence restarts.
 * - A hole is waited for until the packet after it has been held `depthMs`.
 * - An SSRC change (or a sequence jump beyond MAX_DROPOUT confirmed by the next packet,
 *   as in RFC 3550 A.1) flushes the old stream and rebases the new one onto the timeline:
 *   its first timestamp continues after the last one by the arrival-time gap.
 */
import type { RtpPacket } from "./packet.ts";
import { extendSeq, extendTimestamp } from "./seq.ts";

/** Settings for {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** RTP clock rate of the stream (8000 for G.711, 48000 for Opus). */
  clockRate: number;
  /** How long a hole is waited for, in ms; default 100. */
  depthMs?: number;
  /** Hard cap on held packets; the oldest is released beyond it. Default 1000. */
  maxPackets?: number;
}

/** An in-order packet. `seq` and `ts` are on the stream's continuous output timeline. */
export interface JitterPacket {
  kind: "packet";
  packet: RtpPacket;
  seq: number;
  ts: number;
  arrivalMs: number;
  /** True on the first packet after an SSRC change or sequence restart. */
  rebased: boolean;
}

/** `count` packets from `seq` on never came; audio between the two timestamps is missing. */
export interface JitterLoss {
  kind: "loss";
  seq: number;
  count: number;
  /** Output timestamp of the last packet before the gap. */
  fromTs: number;
  /** Output timestamp of the packet after the gap. */
  toTs: number;
}

/** What {@link JitterBuffer} emits. */
export type JitterOut = JitterPacket | JitterLoss;

/** Counters from {@link JitterBuffer.toJSON}. */
export interface JitterBufferStats {
  pushed: number;
  emitted: number;
  duplicates: number;
  late: number;
  lost: number;
  lossEvents: number;
  reordered: number;
  ssrcChanges: number;
  resyncs: number;
  /** Packets far outside the sequence window, dropped pending resync (RFC 3550 A.1). */
  badSequence: number;
  /** Packets from an SSRC the stream already left. */
  stale: number;
  buffered: number;
  maxBuffered: number;
}

interface Held {
  packet: RtpPacket;
  seq: number;
  ts: number;
  arrivalMs: number;
  rebased: boolean;
}

const MAX_DROPOUT = 3000;
const RING = 1024;

/** Reorder/jitter buffer for one RTP stream. */
export class JitterBuffer {
  #clockRate: number;
  #depthMs: number;
  #maxPackets: number;
  #ssrc: number | null = null;
  #retired = new Set<number>();
  #refSeq = 0;
  #seqOffset = 0;
  #refTs = 0;
  #tsOffset = 0;
  #badSeq: number | null = null;
  #next: number | null = null;
  #maxSeq = -Infinity;
  #held = new Map<number, Held>();
  #emittedRing = new Float64Array(RING).fill(NaN);
  #lastTs: number | null = null;
  #lastArrival = 0;
  #frameTs: number;
  #rebasePending = false;
  #stats: Omit<JitterBufferStats, "buffered"> = {
    pushed: 0,
    emitted: 0,
    duplicates: 0,
    late: 0,
    lost: 0,
    lossEvents: 0,
    reordered: 0,
    ssrcChanges: 0,
    resyncs: 0,
    badSequence: 0,
    stale: 0,
    maxBuffered: 0,
  };

  constructor(opts: JitterBufferOptions) {
    if (!(opts.clockRate > 0)) throw new RangeError(`Clock rate "${opts.clockRate}" is invalid`);
    this.#clockRate = opts.clockRate;
    this.#depthMs = opts.depthMs ?? 100;
    this.#maxPackets = opts.maxPackets ?? 1000;
    this.#frameTs = opts.clockRate / 50;
  }

  /** Add a packet that arrived at `arrivalMs`; returns what became ready. Never throws. */
  push(packet: RtpPacket, arrivalMs: number): JitterOut[] {
    this.#stats.pushed++;
    const out: JitterOut[] = [];
    if (this.#ssrc === null) {
      this.#start(packet, arrivalMs, false);
      this.#next = packet.sequenceNumber;
    } else if (packet.ssrc !== this.#ssrc) {
      if (this.#retired.has(packet.ssrc)) {
        this.#stats.stale++;
        return this.#release(arrivalMs, out);
      }
      this.#stats.ssrcChanges++;
      this.#retired.add(this.#ssrc);
      this.#drain(out);
      this.#start(packet, arrivalMs, true);
    } else {
      const raw = extendSeq(this.#refSeq, packet.sequenceNumber);
      const delta = raw - this.#refSeq;
      if (delta > MAX_DROPOUT || delta < -MAX_DROPOUT) {
        // RFC 3550 A.1: accept a jump only when the next packet confirms it.
        if (this.#badSeq !== ((packet.sequenceNumber - 1) & 0xffff)) {
          this.#badSeq = packet.sequenceNumber;
          this.#stats.badSequence++;
          return this.#release(arrivalMs, out);
        }
        this.#stats.resyncs++;
        this.#drain(out);
        this.#start(packet, arrivalMs, true);
      }
    }
    this.#badSeq = null;
    this.#hold(packet, arrivalMs);
    return this.#release(arrivalMs, out);
  }

  /** Release packets whose hole waited long enough; call on a timer when no packets come. */
  poll(nowMs: number): JitterOut[] {
    return this.#release(nowMs, []);
  }

  /** Emit everything held, in order, with loss gaps (end of call). */
  flush(): JitterOut[] {
    const out: JitterOut[] = [];
    this.#drain(out);
    return out;
  }

  /** Counters for logs and the recording's stream stats. */
  toJSON(): JitterBufferStats {
    return { ...this.#stats, buffered: this.#held.size };
  }

  #start(packet: RtpPacket, arrivalMs: number, rebase: boolean): void {
    this.#ssrc = packet.ssrc;
    this.#refSeq = packet.sequenceNumber;
    this.#refTs = packet.timestamp;
    if (rebase && this.#next !== null && this.#lastTs !== null) {
      const gap = Math.round(((arrivalMs - this.#lastArrival) * this.#clockRate) / 1000);
      this.#seqOffset = this.#next - packet.sequenceNumber;
      this.#tsOffset = this.#lastTs + Math.max(this.#frameTs, gap) - packet.timestamp;
      this.#rebasePending = true;
    } else if (rebase) {
      this.#seqOffset = this.#maxSeq === -Infinity ? 0 : this.#maxSeq + 1 - packet.sequenceNumber;
      this.#tsOffset = 0;
    }
  }

  #hold(packet: RtpPacket, arrivalMs: number): void {
    const raw = extendSeq(this.#refSeq, packet.sequenceNumber);
    const rawTs = extendTimestamp(this.#refTs, packet.timestamp);
    if (raw > this.#refSeq) this.#refSeq = raw;
    if (rawTs > this.#refTs) this.#refTs = rawTs;
    const seq = raw + this.#seqOffset;
    if ((this.#next !== null && seq < this.#next) || this.#held.has(seq)) {
      if (this.#held.has(seq) || this.#emittedRing[seq & (RING - 1)] === seq) {
        this.#stats.duplicates++;
      } else this.#stats.late++;
      return;
    }
    if (seq < this.#maxSeq) this.#stats.reordered++;
    else this.#maxSeq = seq;
    const rebased = this.#rebasePending;
    this.#rebasePending = false;
    this.#held.set(seq, { packet, seq, ts: rawTs + this.#tsOffset, arrivalMs, rebased });
    if (this.#held.size > this.#stats.maxBuffered) this.#stats.maxBuffered = this.#held.size;
  }

  #release(nowMs: number, out: JitterOut[]): JitterOut[] {
    while (this.#held.size > 0) {
      if (this.#next !== null) {
        const h = this.#held.get(this.#next);
        if (h) {
          this.#emit(h, out);
          continue;
        }
      }
      const oldest = this.#oldest();
      const waited = nowMs - oldest.arrivalMs >= this.#depthMs;
      if (!waited && this.#held.size <= this.#maxPackets) break;
      this.#skipTo(oldest, out);
    }
    return out;
  }

  #drain(out: JitterOut[]): void {
    while (this.#held.size > 0) {
      const h = this.#next !== null ? this.#held.get(this.#next) : undefined;
      if (h) this.#emit(h, out);
      else this.#skipTo(this.#oldest(), out);
    }
  }

  #skipTo(h: Held, out: JitterOut[]): void {
    if (this.#next !== null && h.seq > this.#next) {
      const count = h.seq - this.#next;
      out.push({ kind: "loss", seq: this.#next, count, fromTs: this.#lastTs ?? h.ts, toTs: h.ts });
      this.#stats.lost += count;
      this.#stats.lossEvents++;
    }
    this.#next = h.seq;
  }

  #oldest(): Held {
    let best: Held | undefined;
    for (const h of this.#held.values()) if (!best || h.seq < best.seq) best = h;
    return best!;
  }

  #emit(h: Held, out: JitterOut[]): void {
    this.#held.delete(h.seq);
    if (this.#lastTs !== null && h.ts > this.#lastTs) {
      const d = h.ts - this.#lastTs;
      if (d <= this.#clockRate / 5) this.#frameTs = d;
    }
    this.#lastTs = h.ts;
    this.#lastArrival = h.arrivalMs;
    this.#next = h.seq + 1;
    this.#emittedRing[h.seq & (RING - 1)] = h.seq;
    this.#stats.emitted++;
    out.push({ kind: "packet", ...h });
  }
}
