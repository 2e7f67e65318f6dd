/**
 * A read budget in bytes per second for background work (the scrubber): each
 * {@link IoBudget.take} books its bytes on a timeline and waits until the budget has
 * caught up, so a long run reads at most `bytesPerSecond` on average whatever its chunk
 * size. The clock and sleep are injected; an aborted signal ends a wait with its reason.
 */

/** How the budget tells and waits for time. */
export interface BudgetClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `setTimeout` sleep that ends early (rejecting with the reason) when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const REAL_CLOCK: BudgetClock = { now: () => performance.now(), sleep: abortableSleep };

/** Paces reads to `bytesPerSecond`. */
export class IoBudget {
  #rate: number;
  #clock: BudgetClock;
  #next = -Infinity;
  #signal?: AbortSignal;

  constructor(bytesPerSecond: number, options: { clock?: BudgetClock; signal?: AbortSignal } = {}) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be > 0`);
    this.#rate = bytesPerSecond;
    this.#clock = options.clock ?? REAL_CLOCK;
    this.#signal = options.signal;
  }

  /** Books `bytes` and waits until reading them keeps within the budget. */
  take = async (bytes: number): Promise<void> => {
    this.#signal?.throwIfAborted();
    const t = this.#clock.now();
    const start = Math.max(t, this.#next);
    this.#next = start + (bytes / this.#rate) * 1000;
    if (start > t) await this.#clock.sleep(start - t, this.#signal);
  };
}
