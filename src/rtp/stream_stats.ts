/**
 * Receive statistics for one RTP stream as seen on the wire: RFC 3550 A.1 (extended
 * highest sequence, expected, lost) and A.8 (interarrival jitter), plus duplicates,
 * reordering, comfort noise (PT 13, RFC 3389) and RFC 4733 telephone-event counts.
 * Events are counted only: digits are never read or kept (PCI).
 */
import type { RtpPacket } from "./packet.ts";
import { extendSeq } from "./seq.ts";

/** Settings for {@link StreamStats}. */
export interface StreamStatsOptions {
  /** RTP clock rate of the audio payload (8000 for G.711). */
  clockRate: number;
  /** Dynamic payload type of telephone-event (RFC 4733), if negotiated. */
  telephoneEventPt?: number;
  /** Dynamic comfort-noise payload type, if negotiated besides static 13. */
  comfortNoisePt?: number;
}

/** Snapshot from {@link StreamStats.toJSON}. */
export interface StreamStatsSnapshot {
  received: number;
  expected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** RFC 3550 A.8 jitter in timestamp units. */
  jitter: number;
  jitterMs: number;
  comfortNoise: number;
  telephoneEvents: number;
  ssrcChanges: number;
  firstPacketMs: number | null;
  lastPacketMs: number | null;
}

const WINDOW = 1024;

/** Accumulates per-stream receive statistics; `observe()` never throws. */
export class StreamStats {
  #opts: StreamStatsOptions;
  #ssrc: number | null = null;
  #baseSeq = 0;
  #maxSeq = 0;
  #expectedBefore = 0;
  #received = 0;
  #duplicated = 0;
  #reordered = 0;
  #seen = new Float64Array(WINDOW).fill(NaN);
  #transit: number | null = null;
  #jitter = 0;
  #cn = 0;
  #events = 0;
  #lastEventTs: number | null = null;
  #ssrcChanges = 0;
  #first: number | null = null;
  #last: number | null = null;

  constructor(opts: StreamStatsOptions) {
    this.#opts = opts;
  }

  /** Record one packet that arrived at `arrivalMs`. */
  observe(p: RtpPacket, arrivalMs: number): void {
    this.#first ??= arrivalMs;
    this.#last = arrivalMs;
    if (p.ssrc !== this.#ssrc) this.#restart(p);
    const ext = extendSeq(this.#maxSeq, p.sequenceNumber);
    if (this.#seen[ext & (WINDOW - 1)] === ext) {
      this.#duplicated++;
      return;
    }
    this.#seen[ext & (WINDOW - 1)] = ext;
    this.#received++;
    if (ext > this.#maxSeq) this.#maxSeq = ext;
    else if (ext < this.#maxSeq) this.#reordered++;
    if (ext < this.#baseSeq) this.#baseSeq = ext;
    this.#countKind(p);
    // RFC 3550 A.8: J += (|D| - J) / 16, D from transit-time differences.
    const transit = (arrivalMs * this.#opts.clockRate) / 1000 - p.timestamp;
    if (this.#transit !== null) {
      let d = Math.abs(transit - this.#transit);
      if (d > 2 ** 31) d = Math.abs(d - 2 ** 32);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  /** Current statistics. `lost` = expected − received, never negative. */
  toJSON(): StreamStatsSnapshot {
    const expected = this.#expectedBefore +
      (this.#ssrc === null ? 0 : this.#maxSeq - this.#baseSeq + 1);
    return {
      received: this.#received,
      expected,
      lost: Math.max(0, expected - this.#received),
      duplicated: this.#duplicated,
      reordered: this.#reordered,
      jitter: Math.round(this.#jitter * 100) / 100,
      jitterMs: Math.round((this.#jitter * 1000 * 100) / this.#opts.clockRate) / 100,
      comfortNoise: this.#cn,
      telephoneEvents: this.#events,
      ssrcChanges: this.#ssrcChanges,
      firstPacketMs: this.#first,
      lastPacketMs: this.#last,
    };
  }

  #restart(p: RtpPacket): void {
    if (this.#ssrc !== null) {
      this.#ssrcChanges++;
      this.#expectedBefore += this.#maxSeq - this.#baseSeq + 1;
    }
    this.#ssrc = p.ssrc;
    this.#baseSeq = this.#maxSeq = p.sequenceNumber;
    this.#seen.fill(NaN);
    this.#transit = null;
  }

  #countKind(p: RtpPacket): void {
    if (p.payloadType === 13 || p.payloadType === this.#opts.comfortNoisePt) this.#cn++;
    else if (p.payloadType === this.#opts.telephoneEventPt) {
      // RFC 4733 §2.5: one event = one RTP timestamp; retransmits and updates share it.
      if (p.timestamp !== this.#lastEventTs) this.#events++;
      this.#lastEventTs = p.timestamp;
    }
  }
}
