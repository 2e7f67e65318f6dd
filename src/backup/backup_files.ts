/**
 * Taking and restoring a backup directory (layout in manifest.ts). The database copy is a
 * consistent online snapshot (`VACUUM INTO`); the checkpoint file is copied first, so
 * every checkpoint in the backup covers rows the snapshot has. Files are written 0600 in
 * a 0700 directory, fsync'd, and listed with size and SHA-256.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, relative, resolve } from "node:path";
import type { Config } from "../config.ts";
import { VERSION } from "../version.ts";
import { keyPaths } from "../audit/checkpoint_key.ts";
import { keyDirOf } from "../keys/open_keyring.ts";
import { kekPath, listKekIds } from "../keys/key_store.ts";
import { checkpointPath } from "../audit/checkpoint.ts";
import { databasePath, openStore } from "../store/db.ts";
import { appliedMigrationNames, listedRecordings, snapshotDatabase } from "../store/snapshot.ts";
import { keyUsage } from "../store/queries/recording_keys.ts";
import { keysSection } from "./backup_keys.ts";
import {
  type FoundFile,
  type Manifest,
  MANIFEST_FORMAT,
  type ManifestFile,
  manifestText,
  sha256sums,
} from "./manifest.ts";

/** SHA-256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  await using f = await Deno.open(path);
  for await (const chunk of f.readable) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

async function syncFile(path: string): Promise<void> {
  await using f = await Deno.open(path, { read: true, write: true });
  await f.sync();
}

/** Copies `from` to `to` (0600), fsync'd; `upTo` keeps only that many leading bytes. */
async function copyFile(from: string, to: string, upTo?: number): Promise<void> {
  await Deno.mkdir(dirname(to), { recursive: true, mode: 0o700 });
  if (upTo === undefined) await Deno.copyFile(from, to);
  else await Deno.writeFile(to, (await Deno.readFile(from)).subarray(0, upTo));
  await Deno.chmod(to, 0o600);
  await syncFile(to);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(p));
    else if (e.isFile) out.push(p);
  }
  return out.sort();
}

/** What to back up. */
export interface BackupSource {
  config: Config;
  /** The config file in force, or "built-in defaults". */
  configSource: string;
}

/** Bytes of the checkpoint file up to its last complete line (an append may be running). */
async function completeLinesLength(path: string): Promise<number> {
  const bytes = await Deno.readFile(path);
  return bytes.lastIndexOf(0x0a) + 1;
}

async function copyDataFiles(
  src: BackupSource,
  out: string,
): Promise<[string, ManifestFile["role"]][]> {
  const dataDir = src.config.dataDir;
  const copied: [string, ManifestFile["role"]][] = [];
  const cps = checkpointPath(dataDir);
  if (await exists(cps)) {
    const to = join(out, "data", basename(cps));
    await copyFile(cps, to, await completeLinesLength(cps));
    copied.push([to, "audit"]);
  }
  const db = join(out, "data", "selrec.db");
  await Deno.mkdir(dirname(db), { recursive: true, mode: 0o700 });
  await snapshotDatabase(databasePath(dataDir), db);
  await Deno.chmod(db, 0o600);
  await syncFile(db);
  copied.push([db, "database"]);
  const keys = keyPaths(dataDir).dir;
  if (await exists(keys)) {
    for (const f of await filesUnder(keys)) {
      const to = join(out, "data", "keys", relative(keys, f));
      await copyFile(f, to);
      copied.push([to, "key"]);
    }
  }
  return [...copied, ...await copyKekFiles(src.config, out)];
}

/**
 * The directory of a backup's KEK files when `encryption.keyDir` is not `<dataDir>/keys`
 * (those are under `data/keys/` with the audit key pair); restore puts them back into the
 * restored box's `encryption.keyDir`.
 */
export const KEK_BACKUP_DIR = "kek";

/**
 * The KEK files of an `encryption.keyDir` outside `<dataDir>/keys`, into DIR/kek/: sealed
 * recordings cannot be read without them. A key command's (KMS/HSM) keys are not files.
 */
async function copyKekFiles(
  config: Config,
  out: string,
): Promise<[string, ManifestFile["role"]][]> {
  const keyDir = keyDirOf(config);
  if (config.encryption.keyCommand || resolve(keyDir) === resolve(keyPaths(config.dataDir).dir)) {
    return [];
  }
  const copied: [string, ManifestFile["role"]][] = [];
  for (const id of await listKekIds(keyDir)) {
    const to = join(out, KEK_BACKUP_DIR, basename(kekPath(keyDir, id)));
    await copyFile(kekPath(keyDir, id), to);
    copied.push([to, "key"]);
  }
  return copied;
}

async function copyConfigFiles(
  src: BackupSource,
  out: string,
): Promise<[string, ManifestFile["role"]][]> {
  const copied: [string, ManifestFile["role"]][] = [];
  if (src.configSource !== "built-in defaults") {
    const to = join(out, "config", "selrec.yaml");
    await copyFile(src.configSource, to);
    copied.push([to, "config"]);
  }
  const rules = src.config.rules.dir;
  if (await exists(rules)) {
    for (const f of await filesUnder(rules)) {
      const to = join(out, "rules", relative(rules, f));
      await copyFile(f, to);
      copied.push([to, "rules"]);
    }
  }
  const tls = src.config.http.tls;
  for (const f of tls ? [tls.certFile, tls.keyFile] : []) {
    if (!await exists(f)) continue;
    const to = join(out, "tls", basename(f));
    await copyFile(f, to);
    copied.push([to, "tls"]);
  }
  return copied;
}

/**
 * Writes a backup of the box described by `src` into `out` (created 0700; must be absent
 * or empty). Works while the box runs. Returns the manifest written.
 */
export async function takeBackup(
  src: BackupSource,
  out: string,
  now = new Date(),
): Promise<Manifest> {
  await Deno.mkdir(out, { recursive: true, mode: 0o700 });
  for await (const _ of Deno.readDir(out)) {
    throw new Error(`Backup directory ${out} is not empty`);
  }
  const copied = [...await copyDataFiles(src, out), ...await copyConfigFiles(src, out)];
  const files: ManifestFile[] = [];
  for (const [path, role] of copied) {
    files.push({ path: relative(out, path).split("\\").join("/"), role, ...await hashFile(path) });
  }
  await using snap = openStore(join(out, "data", "selrec.db"), { readOnly: true });
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: VERSION,
    created: now.toISOString(),
    migrations: appliedMigrationNames(snap.raw),
    source: {
      dataDir: src.config.dataDir,
      config: src.configSource,
      rulesDir: src.config.rules.dir,
    },
    recordings: listedRecordings(snap.raw),
    keys: keysSection(src.config, files, await keyUsage(snap.db)),
    files,
  };
  await Deno.writeTextFile(join(out, "SHA256SUMS"), sha256sums(files), { mode: 0o600 });
  await Deno.writeTextFile(join(out, "manifest.json"), manifestText(manifest), { mode: 0o600 });
  await syncFile(join(out, "manifest.json"));
  return manifest;
}

/** Each manifest file as found in the backup directory `dir`. */
export async function scanBackup(dir: string, m: Manifest): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const f of m.files) {
    const path = join(dir, ...f.path.split("/"));
    out.push(
      await exists(path)
        ? { path: f.path, ...await hashFile(path) }
        : { path: f.path, missing: true },
    );
  }
  return out;
}
