/**
 * The clock and timers the recorder's state machines run on: the real ones, or a test's
 * fake clock that fires timers as it is advanced (no sleeping in unit tests).
 */

/** A clock plus one-shot timers. */
export interface Timers {
  now(): Date;
  /** Calls `fn` once after `ms`; with `unref` the timer alone never keeps the process up. */
  setTimeout(fn: () => void, ms: number, options?: { unref?: boolean }): number;
  clearTimeout(id: number): void;
}

/** The wall clock (or `now`) with the runtime's timers. */
export function realTimers(now: () => Date = () => new Date()): Timers {
  return {
    now,
    setTimeout(fn, ms, options) {
      // Deno's timers are numbers (the node types in scope call them `Timeout`).
      const id = setTimeout(fn, ms) as unknown as number;
      if (options?.unref) Deno.unrefTimer(id);
      return id;
    },
    clearTimeout: (id) => clearTimeout(id),
  };
}
