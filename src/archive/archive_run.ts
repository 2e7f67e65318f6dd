/**
 * One archive pass: finish jobs a crash interrupted, then copy due recordings (oldest
 * first) to the first healthy target through the copy worker. Per recording, tracked in
 * `archive_jobs`: (1) copy to a temp name + fsync, (2) read back and check SHA-256,
 * (3) rename + fsync the directory — all in the worker —, (4) point the recording at the
 * target in one transaction with its `recording.archive` audit row, (5) only then remove
 * the local copy. Every step is idempotent: a rerun after a crash at any point converges.
 */
import type { StorageLocation } from "../store/schema/storage.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { decide, policyConfig } from "./policy.ts";
import { markTarget, syncTargets } from "./locations.ts";
import type { StorageHost } from "./host.ts";
import { spoolLocation } from "../store/queries/storage.ts";
import { archivableRecordings } from "../store/queries/archive.ts";
import {
  type ArchiveItem,
  type ArchiveOptions,
  type Ctx,
  pickTarget,
  TargetDown,
} from "./archive_run_ctx.ts";
import { archiveOne, resumeRecorded } from "./archive_run_one.ts";
import { newClaimer } from "./recording_claim.ts";

export type { ArchiveItem, ArchiveOptions } from "./archive_run_ctx.ts";

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
  const ctx: Ctx = {
    host,
    opts,
    spool,
    now: () => new Date(clock()),
    worker: null,
    claimer: newClaimer("archive", clock),
  };
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
