/**
 * The storage lifecycle as a service of the box. It measures the spool every few seconds
 * (df: cheap, local) and runs the archive and purge passes every `storage.loopInterval`,
 * and at once when the spool rises past the high or critical watermark (archive early,
 * oldest first). While critical, {@link StorageService.refusal} is non-null: the SIP admit
 * hook answers new calls 503 + Retry-After, calls in progress finish. Target I/O happens
 * only in the killable copy worker, so nothing here can hang on a dead mount.
 */
import type { Service } from "../service.ts";
import { parseDuration } from "../duration.ts";
import { type Level, LEVELS } from "./disk.ts";
import { runArchive } from "./archive_run.ts";
import { runPurge } from "./purge_run.ts";
import type { StorageHost } from "./host.ts";
import { measureSpool, type StorageStatus, storageStatus, syncWatermarkAlarm } from "./status.ts";

/** Options for {@link storageService}; defaults suit production. */
export interface StorageServiceOptions {
  now?: () => number;
  /** Monotonic clock in ms (for the clock guard); default `performance.now`. */
  monotonic?: () => number;
  /** How often the spool is measured; default 10 s. */
  diskPollMs?: number;
  /** Overrides `storage.loopInterval`. */
  loopIntervalMs?: number;
}

/** The storage service: a {@link Service} plus what SIP, the UI and the CLI read. */
export interface StorageService extends Service {
  /** Non-null while the spool is critical: why new recordings are refused. */
  refusal(): string | null;
  /** The last status snapshot (null before the first measurement). */
  status(): StorageStatus | null;
  /** The current watermark level. */
  level(): Level;
  /** Runs one archive + purge pass now (or waits for the running one and runs again). */
  runNow(): Promise<void>;
}

/**
 * How loud a watermark move is logged: into critical (new recordings are refused) is an
 * error, up into warn or high a warning, and any move down is info.
 */
export function watermarkLogLevel(from: Level, to: Level): "info" | "warn" | "error" {
  if (LEVELS.indexOf(to) <= LEVELS.indexOf(from)) return "info";
  return to === "critical" ? "error" : "warn";
}

/** Builds the storage service for `host` (config, log, audit and database). */
export function storageService(
  host: StorageHost,
  options: StorageServiceOptions = {},
): StorageService {
  const now = options.now ?? Date.now;
  const mono = options.monotonic ?? (() => performance.now());
  const pollMs = options.diskPollMs ?? 10_000;
  const loopMs = options.loopIntervalMs ?? parseDuration(host.config.storage.loopInterval);
  const log = host.log.child({ component: "storage" });
  let level: Level = "ok";
  let snapshot: StorageStatus | null = null;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let loopTimer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastMono: number | null = null;
  let reason = "";
  let alarmSynced = false;

  // The level and reason are set before any database write: on a full disk those writes
  // may fail, and the refusal must hold all the same.
  const poll = async () => {
    const spool = await measureSpool(host, level);
    const before = level;
    level = spool.level;
    reason = "error" in spool ? `cannot measure the spool: ${spool.error}` : spool.reason;
    if (level !== before) {
      const fields = { from: before, to: level, percent: percentOf(spool) };
      log[watermarkLogLevel(before, level)]("storage watermark", fields);
      if (LEVELS.indexOf(level) > LEVELS.indexOf(before) && LEVELS.indexOf(level) >= 2) {
        void runNow();
      }
    }
    if (level !== before || !alarmSynced) {
      alarmSynced = false;
      await syncWatermarkAlarm(host.store.db, spool, new Date(now()));
      alarmSynced = true;
    }
    snapshot = await storageStatus(host, new Date(now()), spool);
  };

  const pass = async () => {
    const pressure = LEVELS.indexOf(level) >= 2;
    const archived = await runArchive(host, { pressure, now });
    if (archived.archived > 0 || archived.failed > 0) {
      log.info("archive pass", {
        archived: archived.archived,
        failed: archived.failed,
        bytes: archived.bytes,
        pressure,
      });
    }
    const m = mono();
    const purged = await runPurge(host, {
      now,
      monotonicElapsedMs: lastMono === null ? null : m - lastMono,
    });
    if (!purged.suspended) lastMono = m;
    if (purged.purged > 0) log.info("purge pass", { purged: purged.purged });
    await poll();
  };

  const runNow = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      again = true;
      return await running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (err) {
          log.error("storage pass failed", { error: err });
        }
      } while (again && !stopped);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };

  const safePoll = () => poll().catch((err) => log.error("storage poll failed", { error: err }));

  return {
    name: "storage",
    async start() {
      await safePoll();
      pollTimer = setInterval(safePoll, pollMs);
      loopTimer = setInterval(() => void runNow(), loopMs);
      void runNow();
    },
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(loopTimer);
      await running;
    },
    refusal: () => level === "critical" ? `storage critical: ${reason}` : null,
    status: () => snapshot,
    level: () => level,
    runNow,
  };
}

function percentOf(spool: StorageStatus["spool"]): number | null {
  return "percent" in spool ? Math.round(spool.percent * 10) / 10 : null;
}
