/**
 * The box's phase (created, running, draining, stopped) and its health. Built before the
 * services, so the ones that ask (SIP's admission, `/healthz`, the uptime metric) are
 * given a function of it, not the box; the App moves it from phase to phase.
 */
import type { Health } from "./service.ts";
import { VERSION } from "./version.ts";

/** The phases of the box. */
export type Phase = "created" | "running" | "draining" | "stopped";

/** The box's phase and health. */
export class Lifecycle {
  readonly startedAt: number;
  #phase: Phase = "created";
  #now: () => number;
  #dbAnswers: () => boolean;

  constructor(options: { now?: () => number; dbAnswers: () => boolean }) {
    this.#now = options.now ?? Date.now;
    this.#dbAnswers = options.dbAnswers;
    this.startedAt = this.#now();
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** True while new work is accepted. */
  get accepting(): boolean {
    return this.#phase === "running";
  }

  /** Moves to `phase` (only the App does). */
  enter(phase: Phase): void {
    this.#phase = phase;
  }

  /** Current health, for `/healthz`. */
  health(): Health {
    const db: Health["db"] = this.#dbAnswers() ? "ok" : "error";
    return {
      status: this.#phase === "draining" || this.#phase === "stopped"
        ? "draining"
        : db === "ok"
        ? "ok"
        : "degraded",
      version: VERSION,
      uptimeSeconds: Math.floor((this.#now() - this.startedAt) / 1000),
      db,
    };
  }
}
