/**
 * Restoring a backup directory into a data directory: verify the manifest (every file's
 * size and SHA-256, a schema this build knows), refuse while a `serve` holds the data
 * directory, set an existing database aside only when asked, place the files (database
 * last, stale WAL/SHM removed), then check the restored database and report which listed
 * recordings have their file where the box will look for it.
 */
import { basename, join } from "node:path";
import { databasePath, migrate, openStore } from "../store/db.ts";
import {
  checkDatabase,
  KNOWN_MIGRATIONS,
  type RecordingFile,
  recordingFiles,
} from "../store/snapshot.ts";
import { runningServe } from "../serve_lock.ts";
import {
  type Manifest,
  type ManifestFile,
  parseManifest,
  unknownMigrations,
  verifyFiles,
} from "./manifest.ts";
import { hashFile, KEK_BACKUP_DIR, scanBackup } from "./backup_files.ts";
import { conflictMessage, kekConflicts, kekIdOf } from "./backup_keys.ts";

/** Why a restore did not happen; `code` is the CLI exit code. */
export class RestoreRefused extends Error {
  override name = "RestoreRefused";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** What {@link restoreBackup} needs. */
export interface RestoreOptions {
  from: string;
  dataDir: string;
  /**
   * Where the backup's `kek/` files (KEKs of an `encryption.keyDir` outside the data
   * directory) go: the restored box's `encryption.keyDir`. Default `<dataDir>/keys`.
   */
  keyDir?: string;
  /** Replace an existing database (kept as `selrec.db.before-restore-<time>`). */
  force?: boolean;
  now?: Date;
}

/** The outcome. */
export interface RestoreReport {
  manifest: Manifest;
  integrity: string;
  recordings: { listed: number; present: number; missing: RecordingFile[] };
  setAside: string | null;
  /** Existing KEK files that differed from the backup's, kept beside (`--force`). */
  keptKeks: string[];
}

/** Reads and verifies a backup directory; throws {@link RestoreRefused} (exit 1). */
export async function verifyBackup(from: string): Promise<Manifest> {
  let m: Manifest;
  try {
    m = parseManifest(
      await Deno.readTextFile(join(from, "manifest.json")),
      join(from, "manifest.json"),
    );
  } catch (err) {
    throw new RestoreRefused(1, `backup ${from} is not usable: ${(err as Error).message}`);
  }
  const problems = verifyFiles(m, await scanBackup(from, m));
  if (problems.length > 0) {
    throw new RestoreRefused(
      1,
      `backup ${from} does not match its manifest:\n` + problems.map((p) => `  - ${p}`).join("\n"),
    );
  }
  const newer = unknownMigrations(m, KNOWN_MIGRATIONS);
  if (newer.length > 0) {
    throw new RestoreRefused(
      1,
      `backup ${from} comes from a newer selrec (${m.version}; schema ${newer.join(", ")}): ` +
        "restore it with that version",
    );
  }
  return m;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Where the box will look for a recording's file after the restore. */
function expectedRoot(r: RecordingFile, dataDir: string): string {
  return r.locationKind === "spool" ? join(dataDir, "recordings") : r.locationPath;
}

/** Which listed recordings have a file where the restored box will look. */
export async function checkRecordingFiles(
  files: RecordingFile[],
  dataDir: string,
): Promise<RestoreReport["recordings"]> {
  const missing: RecordingFile[] = [];
  for (const r of files) {
    if (!await exists(join(expectedRoot(r, dataDir), r.path))) missing.push(r);
  }
  return { listed: files.length, present: files.length - missing.length, missing };
}

/**
 * Where a backup file goes: a KEK file (from `data/keys/` or `kek/`) into the restored
 * box's key dir, other `data/…` files into the data dir.
 */
function destinationOf(f: ManifestFile, dataDir: string, keyDir: string): string | null {
  if (kekIdOf(f)) return join(keyDir, basename(f.path));
  const [top, ...rest] = f.path.split("/");
  if (top === "data") return join(dataDir, ...rest);
  if (top === KEK_BACKUP_DIR) return join(keyDir, ...rest);
  return null;
}

async function placeFiles(
  m: Manifest,
  from: string,
  dataDir: string,
  keyDir: string,
): Promise<void> {
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o750 });
  const db = databasePath(dataDir);
  for (const suffix of ["-wal", "-shm", "-journal"]) await Deno.remove(db + suffix).catch(() => {});
  // The database goes last: a restore cut short leaves no database beside half the keys.
  const ordered = [
    ...m.files.filter((f) => f.role !== "database"),
    ...m.files.filter((f) => f.role === "database"),
  ];
  for (const f of ordered) {
    const to = destinationOf(f, dataDir, keyDir);
    if (to === null) continue;
    const tmp = `${to}.restoring`;
    await Deno.mkdir(join(to, ".."), { recursive: true, mode: 0o700 });
    await Deno.copyFile(join(from, ...f.path.split("/")), tmp);
    await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, to);
  }
}

/** Restores `from` into `dataDir`; throws {@link RestoreRefused} when it must not. */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreReport> {
  const m = await verifyBackup(o.from);
  const pid = await runningServe(o.dataDir);
  if (pid !== null) {
    throw new RestoreRefused(
      2,
      `selrec serve is running on ${o.dataDir} (pid ${pid}); stop it first (systemctl stop selrec)`,
    );
  }
  const db = databasePath(o.dataDir);
  const keyDir = o.keyDir ?? join(o.dataDir, "keys");
  const stamp = (o.now ?? new Date()).toISOString().replace(/[:.]/g, "");
  const conflicts = await kekConflicts(
    m,
    (f) => destinationOf(f, o.dataDir, keyDir),
    async (p) => (await hashFile(p)).sha256,
  );
  if (conflicts.length > 0 && !o.force) throw new RestoreRefused(2, conflictMessage(conflicts));
  let setAside: string | null = null;
  if (await exists(db)) {
    if (!o.force) {
      throw new RestoreRefused(
        2,
        `${db} exists; --force replaces it (the current one is kept beside it)`,
      );
    }
    setAside = `${db}.before-restore-${stamp}`;
    await Deno.rename(db, setAside);
  }
  const keptKeks: string[] = [];
  for (const c of conflicts) {
    keptKeks.push(`${c.existing}.before-restore-${stamp}`);
    await Deno.rename(c.existing, keptKeks.at(-1)!);
  }
  await placeFiles(m, o.from, o.dataDir, keyDir);
  await using store = openStore(db);
  await migrate(store.db);
  const integrity = checkDatabase(store.raw, true);
  const recordings = await checkRecordingFiles(recordingFiles(store.raw), o.dataDir);
  return { manifest: m, integrity, recordings, setAside, keptKeks };
}
