/** Text rendering for the storage CLI: byte sizes, a progress bar, the status report. */
import type { StorageStatus } from "./status.ts";

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** `[#####-----] 5/10`. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`;
}

/** The human-readable `selrec storage status`. */
export function statusText(s: StorageStatus): string {
  const lines: string[] = [];
  const sp = s.spool;
  if ("error" in sp) lines.push(`spool ${sp.path}: CANNOT MEASURE (${sp.error})`);
  else {
    lines.push(
      `spool ${sp.path}: ${sp.level.toUpperCase()} — ${sp.percent.toFixed(1)}% of quota ` +
        `${formatBytes(sp.quotaBytes)}; disk ${formatBytes(sp.usedBytes)} used, ` +
        `${formatBytes(sp.availBytes)} available`,
    );
  }
  lines.push(`archive backlog: ${s.backlog.count} recordings, ${formatBytes(s.backlog.bytes)}`);
  lines.push(`last good archive: ${s.lastArchiveAt ?? "never"}`);
  for (const t of s.targets) {
    const state = !t.initialised
      ? "NOT INITIALISED"
      : t.healthy
      ? "healthy"
      : `UNAVAILABLE: ${t.lastError}`;
    lines.push(`target ${t.name} (${t.type} ${t.path}): ${state}`);
  }
  if (s.purgeSuspended) lines.push(`purge SUSPENDED: ${s.purgeSuspended}`);
  for (const a of s.alarms) lines.push(`alarm ${a.severity} ${a.kind}: ${a.message}`);
  return lines.join("\n") + "\n";
}
