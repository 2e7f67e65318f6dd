/**
 * Spool disk usage and watermarks. Deno has no statfs, so usage comes from
 * `df -B1 --output=size,used,avail PATH`. The quota is bytes (counted as the spool's own
 * recordings) or "NN%" of the spool's filesystem (counted as the filesystem's use); a
 * filesystem with less than `reserveBytes` available is critical whatever the quota says.
 */
import type { Config } from "../config.ts";

/** Filesystem usage in bytes. */
export interface FsUsage {
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
}

/** Watermark levels, in rising order. */
export const LEVELS = ["ok", "warn", "high", "critical"] as const;
/** A watermark level. */
export type Level = typeof LEVELS[number];

/** The quota evaluated against current usage. */
export interface QuotaState extends FsUsage {
  quotaBytes: number;
  /** Bytes counted against the quota. */
  countedBytes: number;
  /** Bytes still free under the quota (never more than the filesystem has). */
  freeBytes: number;
  percent: number;
  level: Level;
  /** Why the level is what it is, for alarms and the SIP refusal. */
  reason: string;
}

/** A level must fall this many points below its threshold before it clears. */
export const HYSTERESIS_PERCENT = 1;

/** Parses `df -B1 --output=size,used,avail` output (a header line and one data line). */
export function parseDf(text: string): FsUsage {
  const lines = text.trim().split("\n");
  const fields = (lines[1] ?? "").trim().split(/\s+/).map(Number);
  if (lines.length < 2 || fields.length !== 3 || fields.some((n) => !Number.isFinite(n))) {
    throw new SyntaxError(`Cannot parse df output: expected size, used, avail, got "${text}"`);
  }
  return { sizeBytes: fields[0], usedBytes: fields[1], availBytes: fields[2] };
}

/** Usage of the filesystem holding `path`. */
export async function fsUsage(path: string): Promise<FsUsage> {
  const out = await new Deno.Command("df", {
    args: ["-B1", "--output=size,used,avail", path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot read disk usage of "${path}": ${msg}`);
  }
  return parseDf(new TextDecoder().decode(out.stdout));
}

function thresholds(s: Config["storage"]): Record<Exclude<Level, "ok">, number> {
  return { warn: s.warnPercent, high: s.highPercent, critical: s.criticalPercent };
}

/**
 * Evaluates the quota. `spoolBytes` is what the spool's recordings occupy (used for a
 * byte quota). `previous` adds hysteresis: a level holds until usage falls
 * {@link HYSTERESIS_PERCENT} below its threshold.
 */
export function evaluateQuota(
  fs: FsUsage,
  spoolBytes: number,
  storage: Config["storage"],
  previous: Level = "ok",
): QuotaState {
  const byPercent = typeof storage.quota === "string";
  const quotaBytes = byPercent
    ? Math.floor(fs.sizeBytes * Number((storage.quota as string).slice(0, -1)) / 100)
    : storage.quota as number;
  const countedBytes = byPercent ? fs.usedBytes : spoolBytes;
  const percent = quotaBytes > 0 ? (countedBytes / quotaBytes) * 100 : 100;
  const freeBytes = Math.max(0, Math.min(quotaBytes - countedBytes, fs.availBytes));
  const t = thresholds(storage);
  const lowReserve = fs.availBytes < storage.reserveBytes;
  let level: Level = "ok";
  for (const l of ["warn", "high", "critical"] as const) {
    const held = LEVELS.indexOf(previous) >= LEVELS.indexOf(l);
    if (percent >= t[l] || (held && percent >= t[l] - HYSTERESIS_PERCENT)) level = l;
  }
  if (lowReserve) level = "critical";
  const pct = percent.toFixed(1);
  const reason = lowReserve
    ? `spool filesystem has ${fs.availBytes} bytes available, below the ${storage.reserveBytes}-byte reserve`
    : `spool at ${pct}% of its quota (${countedBytes} of ${quotaBytes} bytes)`;
  return { ...fs, quotaBytes, countedBytes, freeBytes, percent, level, reason };
}
