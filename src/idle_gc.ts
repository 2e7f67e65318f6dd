/**
 * Collects a thread's garbage when it goes quiet. V8 sizes its heap by what the JS heap
 * holds, not by the native memory its dead objects still pin (prepared statements, Opus
 * encoders, transferred buffers), so after a burst of calls a worker or the main thread
 * could sit on hundreds of MB of garbage until a full collection that an idle thread
 * never triggers. A thread marks its work with `busy()`; once it has been quiet for
 * `quietMs` after some work (or busy for `maxGapMs` without a pause) it runs one full
 * collection, at most once per `minGapMs`. Needs `--v8-flags=--expose-gc` (every launcher
 * of the box passes it); without it this does nothing.
 */

/** Tuning of {@link IdleGc} (milliseconds). */
export interface IdleGcOptions {
  /** Quiet this long after work: collect (default 5,000). */
  quietMs?: number;
  /** Never collect more often than this (default 10,000). */
  minGapMs?: number;
  /** Busy without a pause this long since the last collection: collect anyway (default 120,000). */
  maxGapMs?: number;
  now?: () => number;
  /** This thread's JS heap in use (default `Deno.memoryUsage().heapUsed`). */
  heapUsed?: () => number;
  /** Heap moved this much since the last tick: the thread worked (default 256 KiB). */
  activityBytes?: number;
  /** The collector (default `globalThis.gc`, present under `--expose-gc`). */
  gc?: (() => void) | null;
  /**
   * True while a collection must not run at all, busy or not: the capture worker holds it
   * while any recording is live, so a full collection never stalls the packet path (its
   * receive loops allocate almost nothing, so the heap looks quiet under full load).
   */
  hold?: () => boolean;
}

/** Decides when a thread collects; {@link startIdleGc} runs it on a timer. */
export class IdleGc {
  #quietMs: number;
  #minGapMs: number;
  #maxGapMs: number;
  #now: () => number;
  #gc: (() => void) | null;
  #hold: () => boolean;
  #lastWork = -Infinity;
  #lastGc: number;
  #dirty = false;
  /** Collections run so far. */
  collections = 0;

  constructor(o: IdleGcOptions = {}) {
    this.#quietMs = o.quietMs ?? 5_000;
    this.#minGapMs = o.minGapMs ?? 10_000;
    this.#maxGapMs = o.maxGapMs ?? 120_000;
    this.#now = o.now ?? (() => performance.now());
    this.#gc = o.gc === undefined ? exposedGc() : o.gc;
    this.#hold = o.hold ?? (() => false);
    this.#lastGc = this.#now();
  }

  /** Whether a collector is available (the process runs with `--expose-gc`). */
  get enabled(): boolean {
    return this.#gc !== null;
  }

  /** The thread did some work (a message, a query, a call event). */
  busy(): void {
    this.#lastWork = this.#now();
    this.#dirty = true;
  }

  /** Collects when due; true when it did. Call it every second or so. */
  tick(): boolean {
    if (!this.#gc || !this.#dirty || this.#hold()) return false;
    const now = this.#now();
    if (now - this.#lastGc < this.#minGapMs) return false;
    const quiet = now - this.#lastWork >= this.#quietMs;
    if (!quiet && now - this.#lastGc < this.#maxGapMs) return false;
    this.#gc();
    this.collections++;
    this.#lastGc = this.#now();
    if (quiet) this.#dirty = false;
    return true;
  }
}

function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? () => gc() : null;
}

/**
 * Starts an {@link IdleGc} on an unref'd one-second timer (it never keeps a thread
 * alive). A heap that moved by `activityBytes` since the last tick counts as work, so a
 * thread needs no `busy()` calls of its own. Returns it; `stop()` clears the timer.
 */
export function startIdleGc(o: IdleGcOptions = {}): IdleGc & { stop(): void } {
  const idle = new IdleGc(o);
  const heapUsed = o.heapUsed ?? (() => Deno.memoryUsage().heapUsed);
  const activity = o.activityBytes ?? 256 * 1024;
  let last = heapUsed();
  const timer = setInterval(() => {
    const heap = heapUsed();
    if (Math.abs(heap - last) >= activity) idle.busy();
    last = heap;
    if (idle.tick()) last = heapUsed();
  }, 1_000);
  Deno.unrefTimer(timer);
  return Object.assign(idle, { stop: () => clearInterval(timer) });
}
