/**
 * What the steps of an archive pass share (archive_run.ts): its options and per-recording
 * outcome, the pass context with its lazily spawned copy worker, and the choice of a
 * healthy target (the mount guard runs in the worker, under its watchdog).
 *
 * @module
 */
import type { AuditInput } from "../audit/audit_log.ts";
import type { StorageLocation } from "../store/schema/storage.ts";
import { parseDuration } from "../duration.ts";
import { CopyWorker, WatchdogTimeout } from "./copy_worker.ts";
import { markTarget, specOf } from "./locations.ts";
import type { StepHook, StorageHost } from "./host.ts";
import { raiseAlarm } from "../store/queries/alarms.ts";
import type { Claimer } from "./recording_claim.ts";
import { type ArchiveStep, setArchiveJobStep } from "../store/queries/archive.ts";

/** Options of runArchive (archive_run.ts). */
export interface ArchiveOptions {
  dryRun?: boolean;
  /** Spool past the high watermark: archive everything unarchived, oldest first. */
  pressure?: boolean;
  limit?: number;
  actor?: AuditInput["actor"];
  now?: () => number;
  onProgress?: (p: { done: number; total: number; id: string; bytes: number }) => void;
  hook?: StepHook | null;
}

/** One recording's outcome. */
export interface ArchiveItem {
  id: string;
  bytes: number;
  target: string | null;
  outcome: "archived" | "due" | "failed" | "skipped";
  error?: string;
}

/** Worker error codes that condemn the target rather than the recording. */
export const TARGET_CODES = new Set([
  "not-mounted",
  "wrong-mount",
  "no-sentinel",
  "wrong-volume",
  "io",
]);

/** The target must be dropped for the rest of the pass. */
export class TargetDown extends Error {}

/** One pass: its host, options, spool, clock and copy worker. */
export type Ctx = {
  host: StorageHost;
  opts: ArchiveOptions;
  spool: StorageLocation;
  now: () => Date;
  worker: CopyWorker | null;
  /** The pass's claims on recordings (recording_claim.ts), against the key commands. */
  claimer: Claimer;
};

/** The watchdog limit of one worker call. */
export const timeoutMs = (host: StorageHost) => parseDuration(host.config.storage.copyTimeout);

/** The pass's copy worker, spawned again after it died. */
export function worker(ctx: Ctx): CopyWorker {
  if (!ctx.worker?.alive) ctx.worker = CopyWorker.spawn({ timeoutMs: timeoutMs(ctx.host) });
  return ctx.worker;
}

/** Checks targets in config order until one is healthy; marks each one checked. */
export async function pickTarget(
  ctx: Ctx,
  targets: StorageLocation[],
): Promise<StorageLocation | null> {
  for (const t of targets) {
    const err = await checkTarget(ctx, t);
    await markTarget(ctx.host.store.db, t, err, ctx.now());
    if (err === null) return t;
  }
  return null;
}

/** Runs the guard in the worker; returns the reason the target is unusable, or null. */
async function checkTarget(ctx: Ctx, t: StorageLocation): Promise<string | null> {
  try {
    const r = await worker(ctx).call({ op: "check", spec: specOf(t) });
    return r.ev === "ok" ? null : r.message;
  } catch (err) {
    await watchdogAlarm(ctx, t, err);
    return (err as Error).message;
  }
}

/** Raises the watchdog alarm of target `t` when `err` is the watchdog's kill. */
export async function watchdogAlarm(ctx: Ctx, t: StorageLocation, err: unknown): Promise<void> {
  if (!(err instanceof WatchdogTimeout)) return;
  ctx.host.log.error("copy worker killed by the watchdog", { target: t.name, error: err });
  await raiseAlarm(
    ctx.host.store.db,
    `archive.watchdog:${t.name}`,
    "critical",
    `copy to archive target ${t.name} hung and was killed after ${timeoutMs(ctx.host)} ms`,
    ctx.now(),
  );
}

/** Sets the step (and error) of the archive job of recording `id` on target `t`. */
export async function setJob(ctx: Ctx, id: string, t: StorageLocation, step: string, err?: string) {
  const now = ctx.now().toISOString();
  await setArchiveJobStep(ctx.host.store.db, id, t.id, step as ArchiveStep, err ?? null, now);
}
