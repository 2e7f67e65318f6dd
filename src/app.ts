/**
 * The running box as a lifecycle holder: its services in start order, started in order,
 * drained together up to a deadline, stopped in reverse; and its phase and health.
 * It is built once, complete, by the composition root (`box.ts`); no service sees it.
 * Its phase and health sit in the {@link Lifecycle} the services are given functions of.
 */
import type { Logger } from "./log.ts";
import type { Health, Service } from "./service.ts";
import type { Lifecycle, Phase } from "./lifecycle.ts";

/** How long past the drain deadline a stuck service drain is waited for. */
const DRAIN_GRACE_MS = 1000;

/** What the App is built from. */
export interface AppParts {
  log: Logger;
  lifecycle: Lifecycle;
  /** In start order; they stop in reverse. */
  services: readonly Service[];
  /** The drain limit (config `recorder.drainTimeoutSeconds`). */
  drainTimeoutSeconds: number;
  now?: () => number;
}

/** The running box. */
export class App implements AsyncDisposable {
  readonly log: Logger;
  readonly lifecycle: Lifecycle;
  #services: readonly Service[];
  #drainTimeoutSeconds: number;
  #now: () => number;

  constructor(parts: AppParts) {
    this.log = parts.log;
    this.lifecycle = parts.lifecycle;
    this.#services = [...parts.services];
    this.#drainTimeoutSeconds = parts.drainTimeoutSeconds;
    this.#now = parts.now ?? Date.now;
  }

  /** True while new work is accepted. */
  get accepting(): boolean {
    return this.lifecycle.accepting;
  }

  get state(): Phase {
    return this.lifecycle.phase;
  }

  /** The services' names, in start order. */
  get serviceNames(): string[] {
    return this.#services.map((s) => s.name);
  }

  /** Starts every service in order. */
  async start(): Promise<void> {
    for (const s of this.#services) {
      await s.start();
      this.log.debug("service started", { service: s.name });
    }
    this.lifecycle.enter("running");
  }

  /** Current health, for `/healthz`. */
  health(): Health {
    return this.lifecycle.health();
  }

  /** Drains (refuse new work, finish in-flight up to the configured limit), then stops. */
  async shutdown(): Promise<void> {
    if (this.state === "stopped") return;
    if (this.state === "running") {
      this.lifecycle.enter("draining");
      const deadline = this.#now() + this.#drainTimeoutSeconds * 1000;
      this.log.info("draining", { deadlineSeconds: this.#drainTimeoutSeconds });
      await this.#drainUntil(deadline);
    }
    this.lifecycle.enter("stopped");
    for (const s of [...this.#services].reverse()) {
      try {
        await s.stop();
      } catch (err) {
        this.log.error("service failed to stop", { service: s.name, error: err });
      }
    }
    this.log.info("stopped");
  }

  /** Every service's drain, but never past the deadline (plus a second to log it). */
  async #drainUntil(deadline: number): Promise<void> {
    const pending = new Set<string>();
    const drains = this.#services.map(async (s) => {
      pending.add(s.name);
      try {
        await s.drain?.(deadline);
      } catch (err) {
        this.log.error("service failed to drain", { service: s.name, error: err });
      }
      pending.delete(s.name);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => {
      timer = setTimeout(() => r("late"), Math.max(0, deadline - this.#now()) + DRAIN_GRACE_MS);
    });
    const outcome = await Promise.race([Promise.all(drains), late]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.log.warn("drain deadline passed: stopping anyway", { draining: [...pending] });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
