/**
 * How late the sender ran: a fixed-bucket histogram (0.1 ms buckets up to 2 s) of
 * send time minus due time, cheap enough to record every packet.
 */

const BUCKET_MS = 0.1;
const BUCKETS = 20_000;

/** Lateness percentiles in milliseconds. */
export interface LatenessSummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Packets sent a whole packet time (20 ms) or more after their due time. */
  over20Ms: number;
}

/** Histogram of per-packet lateness. */
export class LatenessHistogram {
  #buckets = new Uint32Array(BUCKETS + 1);
  #count = 0;
  #max = 0;
  #over20 = 0;

  /** Record one packet sent `ms` after its due time (negative counts as 0). */
  record(ms: number): void {
    const late = ms > 0 ? ms : 0;
    this.#buckets[Math.min(BUCKETS, Math.floor(late / BUCKET_MS))]++;
    this.#count++;
    if (late > this.#max) this.#max = late;
    if (late >= 20) this.#over20++;
  }

  /** The `q` quantile (0..1) in ms, at bucket resolution; 0 when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.#buckets[i];
      if (seen >= rank) return i === BUCKETS ? this.#max : (i + 1) * BUCKET_MS;
    }
    return this.#max;
  }

  /** Percentiles rounded to 0.1 ms. */
  summary(): LatenessSummary {
    const r = (x: number) => Math.round(x * 10) / 10;
    return {
      count: this.#count,
      p50Ms: r(this.quantile(0.5)),
      p99Ms: r(this.quantile(0.99)),
      maxMs: r(this.#max),
      over20Ms: this.#over20,
    };
  }
}
