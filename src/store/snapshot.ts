/**
 * Database copies and checks for backup, restore and doctor: a consistent online copy
 * with `VACUUM INTO` (one read transaction, so a running box keeps writing; the copy is
 * compacted and has no WAL), `PRAGMA quick_check`, and the applied migrations.
 */
import type { DatabaseSync } from "node:sqlite";
import { openStore } from "./db.ts";
import { MIGRATIONS } from "./migrations/mod.ts";

/**
 * Copies the database at `dbPath` to `dest` (which must not exist) while others may be
 * writing it; the source is never migrated or changed.
 */
export async function snapshotDatabase(dbPath: string, dest: string): Promise<void> {
  await using store = openStore(dbPath);
  store.raw.prepare("VACUUM INTO ?").run(dest);
}

/** `PRAGMA quick_check` (or `integrity_check` when `full`): "ok" or the problems found. */
export function checkDatabase(raw: DatabaseSync, full = false): string {
  const rows = raw.prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check").all() as Record<
    string,
    string
  >[];
  return rows.map((r) => Object.values(r)[0]).join("; ");
}

/** Names of the migrations applied to a database (none when it has no migration table). */
export function appliedMigrationNames(raw: DatabaseSync): string[] {
  try {
    const rows = raw.prepare("SELECT name FROM kysely_migration ORDER BY name").all() as {
      name: string;
    }[];
    return rows.map((r) => r.name);
  } catch {
    return [];
  }
}

/** The migrations this build knows. */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(MIGRATIONS);

/** Recordings a database lists (not deleted or purged) and their bytes. */
export function listedRecordings(raw: DatabaseSync): { count: number; bytes: number } {
  const r = raw.prepare(
    "SELECT COUNT(*) AS count, COALESCE(SUM(size_bytes), 0) AS bytes FROM recordings " +
      "WHERE state NOT IN ('deleted', 'purged')",
  ).get() as { count: number; bytes: number };
  return { count: Number(r.count), bytes: Number(r.bytes) };
}

/** A listed recording's file: where it lives (location path) and its relative path. */
export interface RecordingFile {
  id: string;
  state: string;
  locationPath: string;
  locationKind: string;
  path: string;
  sizeBytes: number | null;
}

/** Every listed recording's file location. */
export function recordingFiles(raw: DatabaseSync): RecordingFile[] {
  return (raw.prepare(
    `SELECT r.id AS id, r.state AS state, s.path AS locationPath, s.kind AS locationKind,
            r.path AS path, r.size_bytes AS sizeBytes
       FROM recordings r JOIN storage_locations s ON s.id = r.storage_location_id
      WHERE r.state NOT IN ('deleted', 'purged') ORDER BY r.id`,
  ).all() as unknown as RecordingFile[]).map((r) => ({ ...r, id: String(r.id) }));
}
