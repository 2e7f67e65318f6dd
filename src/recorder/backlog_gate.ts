/**
 * Bounded queue between a recording's timeline and its encoder, as a synchronous,
 * I/O-free state machine. The capture worker asks it where each PCM batch goes:
 *
 *   live ──(queued + batch > high)──▶ spilling ──(queued ≤ low at a tick)──▶ live
 *     ▲                                  │ every batch goes to the journal
 *     └──────── replay(): the journal is handed to the encoder, ahead of newer PCM
 *
 * "Queued" is audio posted (or replayed) to the encoder and not yet acknowledged;
 * "journaled" is audio spilled to the journal and not yet handed back. Both are
 * counted in samples per channel. Timeline order is kept because a spill lasts until
 * a replay and the replay is sent before any newer batch.
 */

/** Where one PCM batch goes. */
export type BatchRoute = "post" | "spill";

/** Thresholds of a {@link BacklogGate}, in samples per channel. */
export interface BacklogLimits {
  /** Spill when posting a batch would leave more than this queued at the encoder. */
  highSamples: number;
  /** Replay the journal once the encoder's queue is down to this. */
  lowSamples: number;
}

/** A gate's counters (see {@link BacklogGate}). */
export interface BacklogState {
  queuedSamples: number;
  journaledSamples: number;
  spilling: boolean;
  /** Transitions into spilling so far. */
  spills: number;
  /** Largest queued + journaled seen. */
  maxBacklogSamples: number;
}

/**
 * Defaults: spill beyond 4 s queued per recording, replay once down to 1 s. At 300 calls
 * on two encoders the normal queue already reaches about 1.7 s (file syncs), so 2 s
 * would spill in normal operation; 4 s at 500 calls holds about 64 MB of PCM.
 */
export const DEFAULT_BACKLOG_MS = { highMs: 4000, lowMs: 1000 } as const;

/** Limits in samples from milliseconds at `rate`; throws RangeError when low > high. */
export function backlogLimits(highMs: number, lowMs: number, rate = 8000): BacklogLimits {
  if (!(highMs > 0) || !(lowMs >= 0) || lowMs > highMs) {
    throw new RangeError(`Backlog limits are invalid: high "${highMs}" ms, low "${lowMs}" ms`);
  }
  return {
    highSamples: Math.round(highMs * rate / 1000),
    lowSamples: Math.round(lowMs * rate / 1000),
  };
}

/** Spill/replay decisions for one recording. */
export class BacklogGate {
  #high: number;
  #low: number;
  #queued = 0;
  #journaled = 0;
  #spilling = false;
  #spills = 0;
  #max = 0;

  constructor(limits: BacklogLimits) {
    if (limits.lowSamples > limits.highSamples) {
      throw new RangeError(`Backlog low mark "${limits.lowSamples}" is above the high mark`);
    }
    this.#high = limits.highSamples;
    this.#low = limits.lowSamples;
  }

  /** Routes a batch of `samples` (per channel) and counts it where it goes. */
  push(samples: number): BatchRoute {
    if (!this.#spilling && this.#queued + samples > this.#high) {
      this.#spilling = true;
      this.#spills++;
    }
    if (this.#spilling) this.#journaled += samples;
    else this.#queued += samples;
    this.#max = Math.max(this.#max, this.backlogSamples);
    return this.#spilling ? "spill" : "post";
  }

  /** The encoder finished `samples` (a posted batch or a replayed journal span). */
  ack(samples: number): void {
    this.#queued = Math.max(0, this.#queued - samples);
  }

  /** True when spilling and the encoder has caught up to the low-water mark. */
  shouldReplay(): boolean {
    return this.#spilling && this.#queued <= this.#low;
  }

  /**
   * Hands everything journaled to the encoder (the caller sends the replay before any
   * newer batch) and goes live. Returns the samples replayed. Also used at the end of
   * a recording, whatever the queue, so no journal is left behind.
   */
  replay(): number {
    const n = this.#journaled;
    this.#queued += n;
    this.#journaled = 0;
    this.#spilling = false;
    return n;
  }

  get spilling(): boolean {
    return this.#spilling;
  }

  get queuedSamples(): number {
    return this.#queued;
  }

  get journaledSamples(): number {
    return this.#journaled;
  }

  /** Audio not yet encoded: queued at the encoder plus journaled. */
  get backlogSamples(): number {
    return this.#queued + this.#journaled;
  }

  get spills(): number {
    return this.#spills;
  }

  toJSON(): BacklogState {
    return {
      queuedSamples: this.#queued,
      journaledSamples: this.#journaled,
      spilling: this.#spilling,
      spills: this.#spills,
      maxBacklogSamples: this.#max,
    };
  }
}

/** Engine-wide spill episode tracking from successive backlog reports. */
export interface EpisodeState {
  spills: number;
  journalErrors: number;
  /** True from the first spill until every encoder is live with no journal left. */
  open: boolean;
}

/** Per-encoder counters a report carries (see EncoderBacklog). */
export interface BacklogCounts {
  spilling: number;
  journals: number;
  spills: number;
  journalErrors: number;
}

/**
 * Folds one backlog report into the episode state: `started` once when encoders begin
 * spilling (or spilled since the last report), `ended` once when all journals are gone,
 * `newErrors` when journal I/O failed since the last report.
 */
export function nextEpisode(
  prev: EpisodeState,
  report: readonly BacklogCounts[],
): { state: EpisodeState; started: boolean; ended: boolean; newErrors: number } {
  let spills = 0, journalErrors = 0, active = 0;
  for (const b of report) {
    spills += b.spills;
    journalErrors += b.journalErrors;
    active += b.spilling + b.journals;
  }
  const open = spills > prev.spills || active > 0;
  return {
    state: { spills, journalErrors, open },
    started: open && !prev.open,
    ended: !open && prev.open,
    newErrors: Math.max(0, journalErrors - prev.journalErrors),
  };
}
