/**
 * What the recorder does about a disk that refuses writes: one warning per episode
 * (files stalled, audio held in memory), an error when the write budget ran out and
 * audio was lost, and a retry of store writes (a recording's finalize) that fail on a
 * full disk instead of losing them.
 */
import type { DiskWaits } from "./media_protocol.ts";
import { isTransientWriteError } from "../codec/write_errors.ts";

/** Episode state folded from successive encoder load reports. */
export interface DiskWaitState {
  stalls: number;
  lostMs: number;
  open: boolean;
}

/** The state before any report. */
export const NO_DISK_WAIT: DiskWaitState = { stalls: 0, lostMs: 0, open: false };

/**
 * Folds the encoders' latest reports into the episode state: `started` once when files
 * begin to wait for the disk (or waited since the last report), `ended` once when none
 * waits, `newLostMs` of audio dropped since the last report.
 */
export function nextDiskWait(
  prev: DiskWaitState,
  loads: readonly DiskWaits[],
): {
  state: DiskWaitState;
  started: boolean;
  ended: boolean;
  newLostMs: number;
  stalledFiles: number;
  error: string | null;
} {
  let stalls = 0, lostMs = 0, stalledFiles = 0;
  let error: string | null = null;
  for (const l of loads) {
    stalls += l.stalls;
    lostMs += l.lostMs;
    stalledFiles += l.stalledFiles;
    error ??= l.lastError;
  }
  const open = stalledFiles > 0;
  const waited = stalls > prev.stalls;
  return {
    state: { stalls, lostMs, open },
    started: (open || waited) && !prev.open,
    ended: !open && (prev.open || waited),
    newLostMs: Math.max(0, lostMs - prev.lostMs),
    stalledFiles,
    error,
  };
}

/** SQLite's "database or disk is full" (13) and I/O error (10), as node:sqlite reports them. */
export function isStoreFullError(err: unknown): boolean {
  const e = err as { errcode?: number; message?: string } | null;
  const primary = typeof e?.errcode === "number" ? e.errcode & 0xff : -1;
  return primary === 13 || primary === 10 || isTransientWriteError(err) ||
    /database or disk is full|disk I\/O error/i.test(e?.message ?? "");
}

/** Options of {@link retryOnFullDisk}. */
export interface RetryOptions {
  /** Called once, on the first failure that will be retried. */
  onWait: (err: unknown) => void;
  /** Give up (throw the last error) after this long; default 10 minutes. */
  maxMs?: number;
  /** Pause between attempts; default 500 ms. */
  retryMs?: number;
  now?: () => number;
}

/** Runs `job` again while it fails because the disk is full (or erring); other errors throw. */
export async function retryOnFullDisk<T>(job: () => Promise<T>, o: RetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const deadline = now() + (o.maxMs ?? 600_000);
  let waited = false;
  for (;;) {
    try {
      return await job();
    } catch (err) {
      if (!isStoreFullError(err) || now() >= deadline) throw err;
      if (!waited) o.onWait(err);
      waited = true;
      await new Promise((r) => setTimeout(r, o.retryMs ?? 500));
    }
  }
}
