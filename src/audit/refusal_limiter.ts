/**
 * Bounds the audit rows written for refused requests that cost the sender nothing
 * (throttled sign-ins, bad bearer tokens, CSRF refusals), so a flood of them cannot turn
 * into a flood of hash-chained, fsynced audit writes. Per key (e.g. action and source
 * address) the first `burst` refusals in each `windowMs` are written; the rest are
 * counted, and the next row written for that key carries the count (`suppressed`).
 */

/** Tuning and clock for {@link RefusalLimiter}. */
export interface RefusalLimiterOptions {
  /** Rows written per key and window. Default 10. */
  burst?: number;
  /** Window length in ms. Default 60 s. */
  windowMs?: number;
  /** Keys tracked at most; the stalest are dropped beyond this. Default 10,000. */
  maxKeys?: number;
  now?: () => number;
}

/** Whether to write a row now, and how many refusals of the key went unwritten before it. */
export interface Admission {
  write: boolean;
  suppressed: number;
}

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

/** Decides which refusals are written to the audit log. */
export class RefusalLimiter {
  #keys = new Map<string, Window>();
  #burst: number;
  #window: number;
  #maxKeys: number;
  #now: () => number;

  constructor(options: RefusalLimiterOptions = {}) {
    this.#burst = options.burst ?? 10;
    this.#window = options.windowMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
    if (!(this.#burst >= 1) || !(this.#window > 0)) {
      throw new RangeError(`Cannot limit refusals: burst ${this.#burst}, window ${this.#window}`);
    }
  }

  /** Counts one refusal of `key`; write the row when `write` is true. */
  admit(key: string): Admission {
    const now = this.#now();
    let w = this.#keys.get(key);
    if (w && now - w.start >= this.#window) {
      w.start = now;
      w.written = 0;
    }
    w ??= { start: now, written: 0, suppressed: 0 };
    this.#keys.delete(key);
    this.#keys.set(key, w);
    if (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
    if (w.written >= this.#burst) {
      w.suppressed++;
      return { write: false, suppressed: 0 };
    }
    w.written++;
    const suppressed = w.suppressed;
    w.suppressed = 0;
    return { write: true, suppressed };
  }
}
