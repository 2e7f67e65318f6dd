/**
 * Per-IP sign-in throttling, kept in memory. Each source address gets `freeFailures`
 * failed attempts; after that each further attempt must wait `baseDelayMs · 2^(n − free)`
 * (capped at `maxDelayMs`) since the last failure. A quiet `windowMs` forgets the address.
 * Success does not reset the count, so one valid account cannot launder a spraying IP.
 *
 * An attempt is counted as a failure when it *starts* ({@link LoginGuard.attempt}), in
 * the same synchronous step as the throttle check, and given back on success: password
 * hashing is async, so a check-then-count-later guard lets thirty parallel attempts all
 * pass the check before the first failure is counted.
 *
 * This is the half of the lockout design that protects *accounts from attackers*
 * without letting attackers lock users out: see sign_in.ts for the account half.
 */

/** Tuning and clock for {@link LoginGuard}. */
export interface LoginGuardOptions {
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  windowMs?: number;
  /** Addresses tracked at most; the stalest are dropped beyond this. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  last: number;
}

/** Tracks failed sign-ins per source address. */
export class LoginGuard {
  #entries = new Map<string, Entry>();
  #free: number;
  #base: number;
  #max: number;
  #window: number;
  #maxEntries: number;
  #now: () => number;

  constructor(options: LoginGuardOptions = {}) {
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 15 * 60_000;
    this.#window = options.windowMs ?? 60 * 60_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  #entry(ip: string): Entry | undefined {
    const e = this.#entries.get(ip);
    if (e && this.#now() - e.last >= this.#window) {
      this.#entries.delete(ip);
      return undefined;
    }
    return e;
  }

  /** Milliseconds `ip` must wait before its next attempt; 0 when it may try now. */
  retryAfterMs(ip: string): number {
    const e = this.#entry(ip);
    if (!e || e.failures < this.#free) return 0;
    const delay = Math.min(this.#max, this.#base * 2 ** (e.failures - this.#free));
    return Math.max(0, e.last + delay - this.#now());
  }

  /**
   * Starts an attempt from `ip`: when `ip` must still wait, returns the milliseconds left
   * and counts nothing; else counts the attempt as a failure and returns 0. Call
   * {@link succeeded} when its password was right.
   */
  attempt(ip: string): number {
    const wait = this.retryAfterMs(ip);
    if (wait === 0) this.fail(ip);
    return wait;
  }

  /** Gives back the failure an {@link attempt} counted, for an attempt that succeeded. */
  succeeded(ip: string): void {
    const e = this.#entry(ip);
    if (e && e.failures > 0) e.failures--;
  }

  /** Counts a failed attempt from `ip`. */
  fail(ip: string): void {
    const e = this.#entry(ip) ?? { failures: 0, last: 0 };
    e.failures++;
    e.last = this.#now();
    this.#entries.delete(ip);
    this.#entries.set(ip, e);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Failures counted for `ip` in the current window. */
  failures(ip: string): number {
    return this.#entry(ip)?.failures ?? 0;
  }
}
