/** Audio a stalled recording file had to drop, as spans of its timeline. Internal to src/codec. */

/** A span of the recording (ms from its start) whose audio the write budget could not hold. */
export interface LostSpan {
  startMs: number;
  endMs: number;
}

/** Tracks audio dropped while a stalled file's budget is full, as spans of the timeline. */
export class LossLog {
  readonly spans: LostSpan[] = [];
  /** Dropped and not yet replaced by silence, in the caller's unit. */
  pending = 0;
  #startMs = 0;

  /** Counts a drop of `amount` at `atMs` (the file's length when dropping started). */
  lose(amount: number, atMs: number): void {
    if (this.pending === 0) this.#startMs = atMs;
    this.pending += amount;
  }

  /** The dropped amount, now replaced by silence lasting `ms`; closes its span. */
  take(ms: number): number {
    const n = this.pending;
    this.spans.push({ startMs: this.#startMs, endMs: this.#startMs + ms });
    this.pending = 0;
    return n;
  }
}
