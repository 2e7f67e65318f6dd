import type { Generated, Selectable } from "kysely";

/** The local spool or an archive target (SAN/NAS mount). */
export interface StorageLocationTable {
  id: Generated<number>;
  name: string;
  kind: "spool" | "archive";
  path: string;
  mount_type: string | null;
  mount_source: string | null;
  volume_id: string | null;
  healthy: number;
  last_check_at: string | null;
  last_error: string | null;
}
export type StorageLocation = Selectable<StorageLocationTable>;

/** A resumable archive copy: each step is idempotent after a crash. */
export interface ArchiveJobTable {
  recording_id: string;
  target_id: number;
  step: "copying" | "verified" | "renamed" | "recorded" | "done" | "failed";
  temp_path: string | null;
  attempts: number;
  last_error: string | null;
  updated_at: string;
}

/** Raised and cleared alarms (disk watermarks, target health, clock jumps, encoders). */
export interface AlarmTable {
  id: Generated<number>;
  kind: string;
  severity: "warning" | "critical";
  message: string;
  raised_at: string;
  cleared_at: string | null;
}

/** Small key/value settings owned by the box (box id, last wall-clock seen…). */
export interface SettingTable {
  key: string;
  value: string;
}

export type Alarm = Selectable<AlarmTable>;
