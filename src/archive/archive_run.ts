/**
 * One archive pass: finish jobs a crash interrupted, then copy due recordings (oldest
 * first) to the first healthy target through the copy worker. Per recording, tracked in
 * `archive_jobs`: (1) copy to a temp name + fsync, (2) read back and check SHA-256,
 * (3) rename + fsync the directory — all in the worker —, (4) point the recording at the
 * target in one transaction with its `recording.archive` audit row, (5) only then remove
 * the local copy. Every step is idempotent: a rerun after a crash at any point converges.
 */
import { dirname, join } from "node:path";
import type { AuditInput } from "../audit/audit_log.ts";
import type { StorageLocation } from "../store/schema/storage.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { parseDuration } from "../duration.ts";
import { decide, policyConfig } from "./policy.ts";
import { CopyWorker, WatchdogTimeout, WorkerGone } from "./copy_worker.ts";
import { markTarget, SETTING, specOf, syncTargets } from "./locations.ts";
import { atStep, type StepHook, type StorageHost, SYSTEM_ACTOR } from "./host.ts";
import { raiseAlarm } from "../store/queries/alarms.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { reportIntegrityFailure } from "./integrity_failure.ts";
import { recordingDigest, rewrapJobOf } from "../store/queries/key_jobs.ts";
import type { Db } from "../store/db.ts";
import { setSetting, spoolLocation } from "../store/queries/storage.ts";
import {
  archivableRecordings,
  type ArchiveStep,
  deleteArchiveJob,
  markArchiveJobRecorded,
  moveRecordingToArchive,
  recordedArchiveJobs,
  setArchiveJobStep,
  setArchiveJobTempPath,
  startArchiveJob,
} from "../store/queries/archive.ts";

/** Options of {@link runArchive}. */
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

/** What a pass did. */
export interface ArchiveResult {
  dryRun: boolean;
  candidates: number;
  archived: number;
  failed: number;
  bytes: number;
  resumed: number;
  targets: { name: string; healthy: boolean; error: string | null }[];
  items: ArchiveItem[];
}

/** Worker error codes that condemn the target rather than the recording. */
const TARGET_CODES = new Set(["not-mounted", "wrong-mount", "no-sentinel", "wrong-volume", "io"]);

class TargetDown extends Error {}

type Ctx = {
  host: StorageHost;
  opts: ArchiveOptions;
  spool: StorageLocation;
  now: () => Date;
  worker: CopyWorker | null;
};

const timeoutMs = (host: StorageHost) => parseDuration(host.config.storage.copyTimeout);

function worker(ctx: Ctx): CopyWorker {
  if (!ctx.worker?.alive) ctx.worker = CopyWorker.spawn({ timeoutMs: timeoutMs(ctx.host) });
  return ctx.worker;
}

/** Removes the spool copy (step 5) and fsyncs its directory; a missing file is fine. */
async function removeLocal(spool: StorageLocation, rel: string): Promise<void> {
  const file = join(spool.path, rel);
  try {
    await Deno.remove(file);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return;
  }
  using d = await Deno.open(dirname(file), { read: true });
  await d.sync();
}

/** Finishes jobs that reached step 4 before a crash: their local copies go now. */
async function resumeRecorded(ctx: Ctx): Promise<number> {
  const db = ctx.host.store.db;
  const jobs = await recordedArchiveJobs(db);
  for (const j of jobs) {
    await removeLocal(ctx.spool, j.path);
    await deleteArchiveJob(db, j.id, j.target_id);
  }
  return jobs.length;
}

/** Live recordings on the spool that the policy says are due, oldest first. */
async function dueRecordings(ctx: Ctx): Promise<Recording[]> {
  const cfg = policyConfig(ctx.host.config.storage);
  const now = ctx.now().getTime();
  const rows = await archivableRecordings(
    ctx.host.store.db,
    ctx.spool.id,
    ctx.opts.limit ?? 100_000,
  );
  return rows.filter((r) =>
    decide(
      {
        state: r.state,
        createdAt: Date.parse(r.created_at),
        retentionClass: r.retention_class,
        legalHold: r.legal_hold === 1,
        archived: false,
        hasHash: true,
      },
      now,
      cfg,
      { pressure: ctx.opts.pressure },
    ).archive
  );
}

/** Checks targets in config order until one is healthy; marks each one checked. */
async function pickTarget(ctx: Ctx, targets: StorageLocation[]): Promise<StorageLocation | null> {
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

async function watchdogAlarm(ctx: Ctx, t: StorageLocation, err: unknown): Promise<void> {
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

async function setJob(ctx: Ctx, id: string, t: StorageLocation, step: string, err?: string) {
  const now = ctx.now().toISOString();
  await setArchiveJobStep(ctx.host.store.db, id, t.id, step as ArchiveStep, err ?? null, now);
}

/** Step 4: the new location and its audit row, in one transaction. False if the row moved. */
async function recordLocation(ctx: Ctx, rec: Recording, t: StorageLocation): Promise<boolean> {
  const { db } = ctx.host.store;
  const now = ctx.now().toISOString();
  return await db.transaction().execute(async (tx) => {
    const move = { id: rec.id, spoolId: ctx.spool.id, targetId: t.id, archivedAt: now };
    if (!(await moveRecordingToArchive(tx, move))) return false;
    await markArchiveJobRecorded(tx, rec.id, t.id, now);
    await ctx.host.audit.append({
      actor: ctx.opts.actor ?? SYSTEM_ACTOR,
      action: "recording.archive",
      target: { type: "recording", id: rec.id },
      recordingId: rec.id,
      customerId: rec.customer_id,
      interactionType: rec.interaction_type,
      details: { target: t.name, path: rec.path, sha256: rec.sha256, bytes: rec.size_bytes },
    }, tx);
    return true;
  });
}

/**
 * The worker hashes the spool file as it copies it (one read: the copy and its check) and
 * refused it: the file no longer matches its SHA-256. Reported like any read that finds a
 * changed file: flag, audit row, integrity alarm (integrity_failure.ts).
 */
async function sourceChanged(ctx: Ctx, rec: Recording, message: string): Promise<void> {
  const { store, audit, log } = ctx.host;
  await reportIntegrityFailure(
    { db: store.db, audit, log, now: () => ctx.now().getTime() },
    rec,
    new IntegrityError(join(ctx.spool.path, rec.path), message),
    { via: "archive", actor: ctx.opts.actor ?? SYSTEM_ACTOR },
  );
}

/**
 * True when a key rotation explains a copy that did not match the row's digest: one is
 * rewriting the file's key slot, or finished and changed the row (see rewrap_window.ts);
 * the recording is archived on a later round instead of being flagged.
 */
async function rotatedMeanwhile(db: Db, rec: Recording): Promise<boolean> {
  return !!(await rewrapJobOf(db, rec.id)) || (await recordingDigest(db, rec.id)) !== rec.sha256;
}

/** Steps 1–5 for one recording. Throws {@link TargetDown} when the target must be dropped. */
async function archiveOne(ctx: Ctx, rec: Recording, t: StorageLocation): Promise<ArchiveItem> {
  const { db } = ctx.host.store;
  const item: ArchiveItem = {
    id: rec.id,
    bytes: rec.size_bytes ?? 0,
    target: t.name,
    outcome: "failed",
  };
  if (await rewrapJobOf(db, rec.id)) {
    return { ...item, outcome: "skipped", error: "a key rotation is rewriting its key slot" };
  }
  await startArchiveJob(db, rec.id, t.id, ctx.now().toISOString());
  let reply;
  try {
    reply = await worker(ctx).call(
      {
        op: "copy",
        spec: specOf(t),
        src: join(ctx.spool.path, rec.path),
        rel: rec.path,
        sha256: rec.sha256!,
      },
      async (step) => {
        if (step !== "copied") await setJob(ctx, rec.id, t, step);
        await atStep(ctx.opts.hook, step);
      },
    );
  } catch (err) {
    if (err instanceof WatchdogTimeout || err instanceof WorkerGone) {
      await watchdogAlarm(ctx, t, err);
      await setJob(ctx, rec.id, t, "failed", (err as Error).message);
      throw new TargetDown((err as Error).message);
    }
    throw err;
  }
  if (reply.ev === "error") {
    await setJob(ctx, rec.id, t, "failed", `${reply.code}: ${reply.message}`);
    if (TARGET_CODES.has(reply.code)) throw new TargetDown(reply.message);
    if (reply.code === "source-hash" && !(await rotatedMeanwhile(db, rec))) {
      await sourceChanged(ctx, rec, reply.message);
    }
    ctx.host.log.warn("archive copy failed", { id: rec.id, target: t.name, error: reply.message });
    return { ...item, error: reply.message };
  }
  await setArchiveJobTempPath(db, rec.id, t.id, reply.tempPath ?? null);
  if (!(await recordLocation(ctx, rec, t))) {
    await worker(ctx).call({ op: "remove", spec: specOf(t), rel: rec.path }).catch(() => {});
    await deleteArchiveJob(db, rec.id);
    return { ...item, outcome: "skipped", error: "the recording changed during the copy" };
  }
  await atStep(ctx.opts.hook, "recorded");
  await removeLocal(ctx.spool, rec.path);
  await deleteArchiveJob(db, rec.id, t.id);
  await setSetting(db, SETTING.lastArchiveAt, ctx.now().toISOString());
  return { ...item, outcome: "archived" };
}

function emptyResult(dryRun: boolean): ArchiveResult {
  return {
    dryRun,
    candidates: 0,
    archived: 0,
    failed: 0,
    bytes: 0,
    resumed: 0,
    targets: [],
    items: [],
  };
}

/**
 * One archive pass (the storage loop and `selrec archive run` call it). Never throws for a
 * target or recording problem: those end up in the result, `storage_locations`, alarms and
 * `archive_jobs`. Throws only for database errors (including a failed audit append).
 */
export async function runArchive(
  host: StorageHost,
  opts: ArchiveOptions = {},
): Promise<ArchiveResult> {
  const result = emptyResult(opts.dryRun ?? false);
  const spool = await spoolLocation(host.store.db);
  if (!spool || host.config.storage.targets.length === 0) return result;
  const clock = opts.now ?? Date.now;
  const ctx: Ctx = { host, opts, spool, now: () => new Date(clock()), worker: null };
  try {
    const targets = await syncTargets(host.store.db, host.config);
    if (!opts.dryRun) result.resumed = await resumeRecorded(ctx);
    const due = await dueRecordings(ctx);
    result.candidates = due.length;
    if (opts.dryRun) {
      result.items = due.map((r) => ({
        id: r.id,
        bytes: r.size_bytes ?? 0,
        target: null,
        outcome: "due",
      }));
      result.bytes = result.items.reduce((n, i) => n + i.bytes, 0);
    } else if (due.length > 0) await copyAll(ctx, targets, due, result);
    result.targets = targets.map((t) => ({
      name: t.name,
      healthy: t.healthy === 1,
      error: t.last_error,
    }));
    return result;
  } finally {
    await ctx.worker?.close();
  }
}

async function copyAll(
  ctx: Ctx,
  targets: StorageLocation[],
  due: Recording[],
  result: ArchiveResult,
) {
  let target = await pickTarget(ctx, targets);
  for (const [i, rec] of due.entries()) {
    if (!target) {
      result.items.push({
        id: rec.id,
        bytes: rec.size_bytes ?? 0,
        target: null,
        outcome: "skipped",
        error: "no healthy archive target",
      });
      continue;
    }
    let item: ArchiveItem;
    try {
      item = await archiveOne(ctx, rec, target);
    } catch (err) {
      if (!(err instanceof TargetDown)) throw err;
      await markTarget(ctx.host.store.db, target, err.message, ctx.now());
      item = {
        id: rec.id,
        bytes: rec.size_bytes ?? 0,
        target: target.name,
        outcome: "failed",
        error: err.message,
      };
      target = await pickTarget(ctx, targets.filter((t) => t.healthy === 1 && t !== target));
    }
    result.items.push(item);
    if (item.outcome === "archived") {
      result.archived++;
      result.bytes += item.bytes;
    } else if (item.outcome === "failed") result.failed++;
    ctx.opts.onProgress?.({ done: i + 1, total: due.length, id: rec.id, bytes: result.bytes });
  }
}
