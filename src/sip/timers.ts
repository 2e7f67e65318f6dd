/**
 * SIP timer values (RFC 3261 §17, Table 4) and an injectable timer service, with a
 * fake clock so transaction state machines are tested without sleeping.
 */

/** RTT estimate (RFC 3261 §17.1.1.1). */
export const T1 = 500;
/** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
export const T2 = 4000;
/** Maximum time a message stays in the network. */
export const T4 = 5000;

/** An opaque timer handle. */
export type TimerHandle = number;

/** Timer service: real in production, {@link FakeTimers} in tests. */
export interface Timers {
  set(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
  /** Milliseconds, monotonic enough for timeouts. */
  now(): number;
}

/** Timers backed by setTimeout. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clear: (h) => clearTimeout(h),
  now: () => performance.now(),
};

/** A manual clock: timers fire only inside {@link FakeTimers.advance}. */
export class FakeTimers implements Timers {
  #now = 0;
  #next = 1;
  #pending = new Map<TimerHandle, { at: number; fn: () => void }>();

  set(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#pending.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clear(handle: TimerHandle): void {
    this.#pending.delete(handle);
  }

  now(): number {
    return this.#now;
  }

  /** Number of armed timers. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Move the clock forward, firing due timers in time order (ties in set order). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let dueId: TimerHandle | null = null;
      let due: { at: number; fn: () => void } | null = null;
      for (const [id, t] of this.#pending) {
        if (t.at <= end && (due === null || t.at < due.at)) {
          dueId = id;
          due = t;
        }
      }
      if (due === null || dueId === null) break;
      this.#pending.delete(dueId);
      this.#now = due.at;
      due.fn();
    }
    this.#now = end;
  }
}
