/**
 * Backoff for a listener whose accept fails (EMFILE/ENFILE: out of descriptors).
 * Retrying at once spins the CPU and floods the log; instead the delay doubles from
 * `minMs` to `maxMs`, and a burst of failures is reported twice: when it starts and,
 * with its count, when an accept succeeds again.
 */

/** What to do after one failed accept. */
export interface AcceptFailure {
  /** Wait this long before the next accept. */
  delayMs: number;
  /** True for the first failure of a burst: log it. */
  first: boolean;
}

/** A finished burst of failures. */
export interface AcceptBurst {
  failures: number;
  durationMs: number;
}

/** True for "out of descriptors" errors, which are worth waiting out. */
export function isDescriptorExhaustion(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  return code === "EMFILE" || code === "ENFILE" || /os error 2[34]\b|too many open files/i.test(
    message,
  );
}

/** Exponential accept backoff with burst accounting. */
export class AcceptBackoff {
  #minMs: number;
  #maxMs: number;
  #now: () => number;
  #delay = 0;
  #failures = 0;
  #since = 0;

  constructor(options: { minMs?: number; maxMs?: number; now?: () => number } = {}) {
    this.#minMs = options.minMs ?? 10;
    this.#maxMs = options.maxMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Failures in the current burst (0 when accepts work). */
  get failures(): number {
    return this.#failures;
  }

  /** An accept failed. */
  failed(): AcceptFailure {
    const first = this.#failures === 0;
    if (first) this.#since = this.#now();
    this.#failures++;
    this.#delay = first ? this.#minMs : Math.min(this.#maxMs, this.#delay * 2);
    return { delayMs: this.#delay, first };
  }

  /** An accept worked: the burst that just ended, if there was one. */
  succeeded(): AcceptBurst | null {
    if (this.#failures === 0) return null;
    const burst = { failures: this.#failures, durationMs: Math.round(this.#now() - this.#since) };
    this.#failures = 0;
    this.#delay = 0;
    return burst;
  }
}

/** What {@link runAcceptLoop} needs from its listener's owner. */
export interface AcceptLoopHooks<C> {
  /** The listener's accept. */
  accept(): Promise<C>;
  /** Takes an accepted connection (caps, relays, reads). */
  admit(conn: C): void;
  /** True once the owner closes: the loop ends instead of backing off. */
  closed(): boolean;
  /** An accept failed (count it); `first` starts a burst (log it once). */
  failed(error: unknown, first: boolean, outOfDescriptors: boolean): void;
  /** A burst of failures ended with an accept that worked. */
  recovered(burst: AcceptBurst): void;
  /** Backoff bounds; {@link AcceptBackoff}'s defaults when absent. */
  backoff?: { minMs?: number; maxMs?: number };
}

/** A running accept loop: `done` settles when it ends; `wake()` cuts a backoff wait short. */
export interface AcceptLoop {
  done: Promise<void>;
  wake(): void;
}

/**
 * Accepts until the owner closes, backing off while accepts fail (out of descriptors)
 * instead of spinning; the owner closes its listener and calls `wake()` to end it.
 */
export function runAcceptLoop<C>(hooks: AcceptLoopHooks<C>): AcceptLoop {
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const id = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(id);
        wake = null;
        resolve();
      };
    });
  const loop = async () => {
    const backoff = new AcceptBackoff(hooks.backoff);
    while (!hooks.closed()) {
      let conn: C;
      try {
        conn = await hooks.accept();
      } catch (error) {
        if (hooks.closed()) return;
        const { delayMs, first } = backoff.failed();
        hooks.failed(error, first, isDescriptorExhaustion(error));
        await sleep(delayMs);
        continue;
      }
      const burst = backoff.succeeded();
      if (burst) hooks.recovered(burst);
      hooks.admit(conn);
    }
  };
  return { done: loop(), wake: () => wake?.() };
}
