/** Box-level and storage samples for `/metrics`. */
import { counter, gauge, type Sample } from "./metrics.ts";
import type { Health } from "./service.ts";
import type { RulesService } from "./rules/mod.ts";
import type { StorageService } from "./archive/storage_service.ts";
import { VERSION } from "./version.ts";

/** Version, uptime and rule reloads. */
export function boxMetrics(
  health: () => Health,
  rules: Pick<RulesService, "stats"> | null,
): Sample[] {
  return [
    {
      name: "build_info",
      help: "Version of the running box",
      type: "gauge",
      value: 1,
      labels: { version: VERSION },
    },
    {
      name: "uptime_seconds",
      help: "Seconds since start",
      type: "gauge",
      value: health().uptimeSeconds,
    },
    ...(rules
      ? [
        counter("rules_reloads_total", "Rule set reloads", rules.stats().reloads),
        counter(
          "rules_reload_errors_total",
          "Rule reloads refused (the previous rules stayed in force)",
          rules.stats().reloadErrors,
        ),
      ]
      : []),
  ];
}

/** Disk, quota, archive backlog, target health. */
export function storageMetrics(storage: Pick<StorageService, "status" | "level">): Sample[] {
  const st = storage.status();
  if (!st) return [];
  const levels = ["ok", "warn", "high", "critical"];
  const spool = st.spool;
  return [
    gauge(
      "storage_level",
      "Spool watermark level: 0 ok, 1 warn, 2 high, 3 critical",
      levels.indexOf(storage.level()),
    ),
    ...("quotaBytes" in spool
      ? [
        gauge(
          "storage_filesystem_used_bytes",
          "Bytes used on the spool's filesystem (all files, as df shows)",
          spool.usedBytes,
        ),
        gauge("storage_quota_counted_bytes", "Bytes counted against the quota", spool.countedBytes),
        gauge("storage_free_bytes", "Bytes free under the spool quota", spool.freeBytes),
        gauge("storage_quota_percent", "Spool quota used, percent", spool.percent),
      ]
      : []),
    gauge(
      "storage_used_bytes",
      "Bytes of live recordings on the spool (as the storage report shows it)",
      st.spoolBytes,
    ),
    gauge("archive_backlog_recordings", "Recordings waiting to be archived", st.backlog.count),
    gauge("archive_backlog_bytes", "Bytes waiting to be archived", st.backlog.bytes),
    gauge(
      "archive_last_success_timestamp_seconds",
      "When the last archive copy succeeded",
      st.lastArchiveAt ? Date.parse(st.lastArchiveAt) / 1000 : 0,
    ),
    ...st.targets.map((t) =>
      gauge("archive_target_healthy", "Archive target health", t.healthy ? 1 : 0, {
        target: t.name,
      })
    ),
  ];
}
