/**
 * The background scrubber as a service of the box: it walks every finished recording in
 * id order (runScrub), reading within `scrub.bytesPerSecond`, and stores its cursor in
 * the settings table after each recording, so a restart resumes where it stopped. At the
 * end of a pass it rests `scrub.passInterval` (the pass's end time is stored too, so a
 * restart during the rest waits out the remainder) and begins again from the start.
 * Stopping aborts the read in progress; that recording is read again after the restart.
 */
import type { Config } from "../config.ts";
import type { Service } from "../service.ts";
import { counter, type Sample } from "../metrics.ts";
import { parseDuration } from "../duration.ts";
import { getSetting, setSetting } from "../store/queries/storage.ts";
import type { IntegrityHost } from "./integrity_failure.ts";
import { abortableSleep, type BudgetClock, IoBudget } from "./io_budget.ts";
import { runScrub } from "./scrub_run.ts";
import type { Keyring } from "../seal/keyring.ts";

/** Settings keys of the scrubber. */
export const SCRUB_SETTING = {
  /** The id of the last recording scrubbed in the current pass ("" at a pass start). */
  cursor: "scrub.cursor",
  /** When the last whole pass ended (ISO). */
  lastPassAt: "scrub.lastPassAt",
} as const;

/** What the scrub service works with. */
export interface ScrubServiceDeps extends IntegrityHost {
  scrub: Config["scrub"];
  /** Injected for tests: the budget's clock and the rest between passes. */
  clock?: BudgetClock;
  /** Recordings per database batch (default 20). */
  batch?: number;
  /** Data keys of sealed recordings (the box's keyring, when it has one). */
  keyring?: Pick<Keyring, "unwrapFor"> | null;
}

/** The scrub service plus what `/metrics` reads. */
export interface ScrubService extends Service {
  metrics(): Sample[];
  /** Resolves when the current pass (or rest) has moved on; for tests. */
  readonly passes: number;
}

/** Builds the background scrubber; a no-op service when `scrub.enabled` is false. */
export function scrubService(deps: ScrubServiceDeps): ScrubService {
  const log = deps.log.child({ component: "scrub" });
  const now = deps.now ?? Date.now;
  const clock = deps.clock ?? { now: () => performance.now(), sleep: abortableSleep };
  const stats = { bytes: 0, recordings: 0, failures: 0, passes: 0 };
  const abort = new AbortController();
  let loop: Promise<void> | null = null;

  const rest = async () => {
    const last = await getSetting(deps.db, SCRUB_SETTING.lastPassAt);
    const wait = last === null
      ? 0
      : Date.parse(last) + parseDuration(deps.scrub.passInterval) - now();
    if (wait > 0) await clock.sleep(wait, abort.signal);
  };

  const batch = async (budget: IoBudget) => {
    const afterId = await getSetting(deps.db, SCRUB_SETTING.cursor) ?? "";
    if (afterId === "") await rest();
    const r = await runScrub(deps, {
      afterId,
      limit: deps.batch ?? 20,
      throttle: budget.take,
      signal: abort.signal,
      keyring: deps.keyring,
      stallMs: parseDuration(deps.scrub.stallTimeout),
      onCursor: (id) => setSetting(deps.db, SCRUB_SETTING.cursor, id),
    });
    stats.bytes += r.bytes;
    stats.recordings += r.checked;
    stats.failures += r.failed;
    if (r.failed > 0) log.warn("scrub found failures", { failed: r.failed, items: r.items });
    if (r.stalled.length > 0) {
      log.warn("a scrub read got no answer; its location is skipped until the next batch", {
        locations: r.stalled,
        stallTimeout: deps.scrub.stallTimeout,
      });
    }
    if (r.complete && !abort.signal.aborted) {
      await setSetting(deps.db, SCRUB_SETTING.lastPassAt, new Date(now()).toISOString());
      await setSetting(deps.db, SCRUB_SETTING.cursor, "");
      stats.passes++;
      log.info("scrub pass done", { recordings: stats.recordings, bytes: stats.bytes });
    }
  };

  const run = async () => {
    const budget = new IoBudget(deps.scrub.bytesPerSecond, { clock, signal: abort.signal });
    while (!abort.signal.aborted) {
      try {
        await batch(budget);
      } catch (err) {
        if (abort.signal.aborted) return;
        log.error("scrub batch failed", { error: err });
        await clock.sleep(60_000, abort.signal).catch(() => {});
      }
    }
  };

  return {
    name: "scrub",
    start() {
      if (deps.scrub.enabled) loop = run();
      return Promise.resolve();
    },
    async stop() {
      abort.abort(new DOMException("the scrub service stopped", "AbortError"));
      await loop;
    },
    metrics: () => [
      counter("scrub_read_bytes_total", "Bytes the background scrub verified", stats.bytes),
      counter(
        "scrub_recordings_total",
        "Recordings the background scrub verified",
        stats.recordings,
      ),
      counter(
        "scrub_integrity_failures_total",
        "Recordings the background scrub found failing their integrity check",
        stats.failures,
      ),
      counter("scrub_passes_total", "Whole scrub passes finished", stats.passes),
    ],
    get passes() {
      return stats.passes;
    },
  };
}
