/**
 * Storage status for the UI, the CLI and metrics: spool disk and quota, the watermark
 * alarm, archive backlog, last good archive, target health, purge suspension, open alarms.
 */
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Db } from "../store/db.ts";
import { evaluateQuota, fsUsage, type Level, type QuotaState } from "./disk.ts";
import { clearAlarm, openAlarms, raiseAlarm } from "../store/queries/alarms.ts";
import { getSetting, locationsByName, spoolLocation } from "../store/queries/storage.ts";
import { finishedAt, liveBytesAt } from "../store/queries/archive.ts";
import { SETTING } from "./locations.ts";
import type { StorageHost } from "./host.ts";

/** Alarm kind of the spool watermark. */
export const WATERMARK_ALARM = "storage.watermark";

/** The snapshot `selrec storage status` prints and the service exposes. */
export interface StorageStatus {
  at: string;
  spool: (QuotaState & { path: string }) | { path: string; level: "critical"; error: string };
  backlog: { count: number; bytes: number };
  /** Bytes of live recordings on the spool (what the storage report shows as used). */
  spoolBytes: number;
  lastArchiveAt: string | null;
  targets: {
    name: string;
    path: string;
    type: string;
    healthy: boolean;
    lastCheckAt: string | null;
    lastError: string | null;
    initialised: boolean;
  }[];
  purgeSuspended: string | null;
  alarms: { kind: string; severity: string; message: string; raisedAt: string }[];
}

/** Where the recorder writes: `<dataDir>/recordings`. */
export function spoolDir(config: Config): string {
  return join(config.dataDir, "recordings");
}

/** Bytes of the spool's recordings (live and in progress). */
export async function spoolBytes(db: Db): Promise<number> {
  const spool = await spoolLocation(db);
  return spool ? await liveBytesAt(db, spool.id) : 0;
}

/** Measures the spool against the quota (df, plus spool bytes for a byte quota). */
export async function measureSpool(
  host: StorageHost,
  previous: Level = "ok",
): Promise<StorageStatus["spool"]> {
  const path = spoolDir(host.config);
  try {
    await Deno.mkdir(path, { recursive: true });
    const fs = await fsUsage(path);
    const bytes = typeof host.config.storage.quota === "number"
      ? await spoolBytes(host.store.db)
      : 0;
    return { ...evaluateQuota(fs, bytes, host.config.storage, previous), path };
  } catch (err) {
    return { path, level: "critical", error: (err as Error).message };
  }
}

/** Raises, refreshes or clears the watermark alarm for `spool`. */
export async function syncWatermarkAlarm(db: Db, spool: StorageStatus["spool"], now: Date) {
  if (spool.level === "ok") return await clearAlarm(db, WATERMARK_ALARM, now);
  const why = "error" in spool ? `cannot measure the spool: ${spool.error}` : spool.reason;
  await raiseAlarm(
    db,
    WATERMARK_ALARM,
    spool.level === "critical" ? "critical" : "warning",
    `storage ${spool.level}: ${why}`,
    now,
  );
}

/** Unarchived live recordings on the spool (0 when no target is configured). */
export async function archiveBacklog(host: StorageHost): Promise<{ count: number; bytes: number }> {
  const db = host.store.db;
  const spool = await spoolLocation(db);
  if (!spool || host.config.storage.targets.length === 0) return { count: 0, bytes: 0 };
  return await finishedAt(db, spool.id);
}

/** The full status; `spool` may be passed in when just measured. */
export async function storageStatus(
  host: StorageHost,
  now: Date,
  spool?: StorageStatus["spool"],
): Promise<StorageStatus> {
  const db = host.store.db;
  const names = host.config.storage.targets.map((t) => t.name);
  const rows = await locationsByName(db, names);
  return {
    at: now.toISOString(),
    spool: spool ?? await measureSpool(host),
    backlog: await archiveBacklog(host),
    spoolBytes: await spoolBytes(db),
    lastArchiveAt: await getSetting(db, SETTING.lastArchiveAt),
    targets: host.config.storage.targets.map((t) => {
      const r = rows.find((x) => x.name === t.name);
      return {
        name: t.name,
        path: t.path,
        type: t.mount.type,
        healthy: r ? r.healthy === 1 : false,
        lastCheckAt: r?.last_check_at ?? null,
        lastError: r ? r.last_error : "never checked",
        initialised: Boolean(r?.volume_id),
      };
    }),
    purgeSuspended: await getSetting(db, SETTING.clockSuspended),
    alarms: (await openAlarms(db)).map((a) => ({
      kind: a.kind,
      severity: a.severity,
      message: a.message,
      raisedAt: a.raised_at,
    })),
  };
}
