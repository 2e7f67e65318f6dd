/**
 * One purge pass. First the clock guard: a forward wall-clock jump of more than a day since
 * the last pass (persisted in settings) suspends purging and raises `storage.clock` until an
 * operator accepts the clock (`selrec purge run --accept-clock`) — no mass purge after a
 * clock error. Then, per the policy: expired recordings get a `purged` tombstone with their
 * `recording.purge` audit row in one transaction, and only after the commit is the file
 * removed (a crash in between leaves a tombstone with a file, which the next pass sweeps).
 * Archive copies are removed only with `storage.purge.scope: everywhere`, through the copy
 * worker; with `box` (default) an archived recording leaves the box and its UI (tombstone,
 * audit row) and its archive copy is left to the customer's own lifecycle.
 */
import { join } from "node:path";
import type { AuditInput } from "../audit/audit_log.ts";
import type { Recording } from "../store/schema/recordings.ts";
import type { StorageLocation } from "../store/schema/storage.ts";
import { parseDuration } from "../duration.ts";
import { checkClock, decide, type PolicyConfig, policyConfig, type PurgeAction } from "./policy.ts";
import { SETTING, specOf } from "./locations.ts";
import { clearAlarm, raiseAlarm } from "../store/queries/alarms.ts";
import { getSetting, locationById, setSetting, spoolLocation } from "../store/queries/storage.ts";
import { purgeCandidates, purgedSince, tombstoneRecording } from "../store/queries/archive.ts";
import { CopyWorker } from "./copy_worker.ts";
import { newClaimer, withClaim } from "./recording_claim.ts";
import { fileOf } from "../store/queries/key_jobs.ts";
import { type StorageHost, SYSTEM_ACTOR } from "./host.ts";

/** Alarm kind of the clock guard. */
export const CLOCK_ALARM = "storage.clock";

/** Options of {@link runPurge}. */
export interface PurgeOptions {
  dryRun?: boolean;
  /** Accept the current wall clock after a suspension. */
  acceptClock?: boolean;
  actor?: AuditInput["actor"];
  now?: () => number;
  /** Monotonic ms since this process last saw the wall clock (the service tracks it). */
  monotonicElapsedMs?: number | null;
  onProgress?: (p: { done: number; total: number; id: string }) => void;
}

/** What a pass did. */
export interface PurgeResult {
  dryRun: boolean;
  suspended: string | null;
  purged: number;
  failed: number;
  items: {
    id: string;
    action: PurgeAction;
    /** `skipped`: a key command held it or it changed; the next pass decides again. */
    outcome: "purged" | "due" | "failed" | "skipped";
    error?: string;
  }[];
}

/** Applies the clock guard; returns the reason purging is suspended, or null. */
async function clockGuard(
  host: StorageHost,
  now: number,
  opts: PurgeOptions,
): Promise<string | null> {
  const db = host.store.db;
  const stamp = new Date(now);
  if (opts.acceptClock && !opts.dryRun) {
    await setSetting(db, SETTING.clockSuspended, null);
    await clearAlarm(db, CLOCK_ALARM, stamp);
    await setSetting(db, SETTING.clockLastSeen, stamp.toISOString());
    return null;
  }
  const suspended = await getSetting(db, SETTING.clockSuspended);
  if (suspended) return suspended;
  const last = await getSetting(db, SETTING.clockLastSeen);
  const check = checkClock(last ? Date.parse(last) : null, now, opts.monotonicElapsedMs ?? null);
  if (!check.ok) {
    const reason = `the wall clock jumped ${Math.round(check.jumpMs / 3_600_000)} h forward ` +
      `since ${last}; purge is suspended until \`selrec purge run --accept-clock\``;
    if (!opts.dryRun) {
      await setSetting(db, SETTING.clockSuspended, reason);
      await raiseAlarm(db, CLOCK_ALARM, "critical", reason, stamp);
      host.log.error("clock guard: purge suspended", { lastSeen: last, jumpMs: check.jumpMs });
    }
    return reason;
  }
  if (!opts.dryRun) await setSetting(db, SETTING.clockLastSeen, stamp.toISOString());
  return null;
}

/** Live recordings old enough to be expired under any rule, oldest first, with verdicts. */
async function expired(host: StorageHost, cfg: PolicyConfig, now: number) {
  const shortest = Math.min(cfg.purgeAfterMs ?? Infinity, ...Object.values(cfg.retentionMs));
  if (!Number.isFinite(shortest)) return [];
  const rows = await purgeCandidates(host.store.db, new Date(now - shortest).toISOString());
  const spool = await spoolLocation(host.store.db);
  return rows.map((r) => ({
    rec: r,
    action: decide(
      {
        state: r.state,
        createdAt: Date.parse(r.created_at),
        retentionClass: r.retention_class,
        legalHold: r.legal_hold === 1,
        archived: r.storage_location_id !== spool?.id,
        expiresAt: r.expires_at ? Date.parse(r.expires_at) : null,
      },
      now,
      cfg,
    ).purge,
  })).filter((x) => x.action !== "none");
}

/** The tombstone and its audit row, in one transaction; false when the row changed. */
async function tombstone(
  host: StorageHost,
  rec: Recording,
  action: PurgeAction,
  opts: PurgeOptions,
  now: Date,
) {
  return await host.store.db.transaction().execute(async (tx) => {
    const done = await tombstoneRecording(tx, {
      id: rec.id,
      state: rec.state,
      deletedAt: now.toISOString(),
      reason: `retention: expired${rec.retention_class ? ` (${rec.retention_class})` : ""}`,
    });
    if (!done) return false;
    await host.audit.append({
      actor: opts.actor ?? SYSTEM_ACTOR,
      action: "recording.purge",
      target: { type: "recording", id: rec.id },
      recordingId: rec.id,
      customerId: rec.customer_id,
      interactionType: rec.interaction_type,
      reason: { code: "retention-policy", text: rec.retention_class ?? "purgeAfter" },
      details: { from: action, path: rec.path, createdAt: rec.created_at },
    }, tx);
    return true;
  });
}

/** Removes a purged recording's file from its location; false when it must be retried. */
class FileRemover implements AsyncDisposable {
  #host: StorageHost;
  #worker: CopyWorker | null = null;
  #locations = new Map<number, StorageLocation>();
  #down = new Set<number>();

  constructor(host: StorageHost) {
    this.#host = host;
  }

  async remove(rec: Pick<Recording, "id" | "path" | "storage_location_id">): Promise<boolean> {
    const loc = await this.#location(rec.storage_location_id);
    if (!loc) return false;
    if (loc.kind === "spool") {
      try {
        await Deno.remove(join(loc.path, rec.path));
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      return true;
    }
    if (this.#down.has(loc.id)) return false;
    this.#worker ??= CopyWorker.spawn({
      timeoutMs: parseDuration(this.#host.config.storage.copyTimeout),
    });
    try {
      const r = await this.#worker.call({ op: "remove", spec: specOf(loc), rel: rec.path });
      if (r.ev === "ok") return true;
      this.#host.log.warn("cannot delete from archive", { id: rec.id, error: r.message });
    } catch (err) {
      this.#host.log.error("archive delete worker failed", { target: loc.name, error: err });
      this.#worker = null;
    }
    this.#down.add(loc.id);
    return false;
  }

  async #location(id: number): Promise<StorageLocation | undefined> {
    if (!this.#locations.has(id)) {
      const row = await locationById(this.#host.store.db, id);
      if (row) this.#locations.set(id, row);
    }
    return this.#locations.get(id);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#worker?.close();
  }
}

/** Files of tombstones from the last week that a crash (or a down target) left behind. */
async function sweep(host: StorageHost, remover: FileRemover, now: number): Promise<void> {
  const since = new Date(now - 7 * 86_400_000).toISOString();
  const everywhere = host.config.storage.purge.scope === "everywhere";
  const rows = await purgedSince(host.store.db, since, everywhere);
  for (const r of rows) await remover.remove(r);
}

/**
 * One purge pass (the storage loop and `selrec purge run` call it). Throws only for
 * database errors, including a failed audit append (the tombstone then rolls back).
 */
export async function runPurge(host: StorageHost, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const now = (opts.now ?? Date.now)();
  const result: PurgeResult = {
    dryRun: opts.dryRun ?? false,
    suspended: null,
    purged: 0,
    failed: 0,
    items: [],
  };
  result.suspended = await clockGuard(host, now, opts);
  if (result.suspended) return result;
  const due = await expired(host, policyConfig(host.config.storage), now);
  if (opts.dryRun) {
    result.items = due.map((d) => ({ id: d.rec.id, action: d.action, outcome: "due" }));
    return result;
  }
  await using remover = new FileRemover(host);
  // The claim keeps a key command (rotate, encrypt-existing) from moving the file between
  // the row read and its removal; under it the row is read again.
  const claimer = newClaimer("purge");
  for (const [i, { rec: listed, action }] of due.entries()) {
    const skipped = { id: listed.id, action, outcome: "skipped" as const };
    const item = await withClaim(host.store.db, claimer, listed.id, async () => {
      const rec = (await fileOf(host.store.db, listed.id))?.recording;
      if (
        !rec || rec.path !== listed.path || rec.state !== listed.state ||
        rec.storage_location_id !== listed.storage_location_id
      ) return { ...skipped, error: "the recording changed since the pass began" };
      if (!(await tombstone(host, rec, action, opts, new Date(now)))) return null;
      const removed = action === "box" || await remover.remove(rec);
      if (!removed) {
        host.log.warn("purged recording's file stays until the next pass", { id: rec.id });
      }
      return { id: rec.id, action, outcome: "purged" as const };
    }, (holder) => ({ ...skipped, error: `${holder} holds it` }));
    if (item) result.items.push(item);
    if (item?.outcome === "purged") result.purged++;
    opts.onProgress?.({ done: i + 1, total: due.length, id: listed.id });
  }
  await sweep(host, remover, now);
  return result;
}
