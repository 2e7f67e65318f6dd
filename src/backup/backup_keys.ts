/**
 * The key-encryption keys (KEKs) in a backup. Sealed recordings cannot be read without
 * their KEK, so the manifest says where the KEKs were (`keys`): files of the configured
 * `encryption.keyDir` held in the backup (`data/keys/` or `kek/`), or a key command — a
 * KMS/HSM — whose keys are not in it and must be kept there. It also lists the KEK ids
 * sealed recordings need, so a missing one is seen at backup time, not after a disk loss.
 *
 * On restore, a KEK file of the backup goes to the restored box's `encryption.keyDir`;
 * an existing file of the same name with other bytes is never overwritten silently (it
 * may be the only copy of a key): the restore is refused, or with `--force` the existing
 * file is kept beside as `<file>.before-restore-<time>`.
 */
import { basename } from "node:path";
import type { Config } from "../config.ts";
import type { KeyUsage } from "../store/queries/recording_keys.ts";
import { keyDirOf } from "../keys/open_keyring.ts";
import type { Manifest, ManifestFile } from "./manifest.ts";

const KEK_FILE_RE = /^(kek-[A-Za-z0-9._-]{1,28})\.key$/;

/** The KEK id of a backup file that is a KEK file, else null. */
export function kekIdOf(f: Pick<ManifestFile, "path" | "role">): string | null {
  return f.role === "key" ? KEK_FILE_RE.exec(basename(f.path))?.[1] ?? null : null;
}

/** The manifest's `keys` section for a backup of `config` holding `files`. */
export function keysSection(
  config: Pick<Config, "dataDir" | "encryption">,
  files: readonly Pick<ManifestFile, "path" | "role">[],
  needed: readonly KeyUsage[],
): NonNullable<Manifest["keys"]> {
  const included = files.flatMap((f) => kekIdOf(f) ?? []).sort();
  const need = needed.map((u) => ({ keyId: u.keyId, recordings: u.recordings }));
  const ids = need.map((u) => u.keyId).join(", ") || "none yet";
  const command = config.encryption.keyCommand;
  if (command) {
    return {
      source: "command",
      location: command[0],
      included,
      needed: need,
      note: `key-encryption keys come from encryption.keyCommand (${command[0]}, a KMS/HSM) ` +
        `and are not in this backup: keep them there (and in its own backup); sealed ` +
        `recordings need key ids: ${ids}`,
    };
  }
  const missing = need.filter((u) => !included.includes(u.keyId)).map((u) => u.keyId);
  return {
    source: "files",
    location: keyDirOf(config),
    included,
    needed: need,
    note: missing.length === 0
      ? `the KEK files of ${keyDirOf(config)} are in this backup; without them sealed ` +
        "recordings cannot be read"
      : `KEK file(s) ${missing.join(", ")} that sealed recordings need are not in ` +
        `${keyDirOf(config)}, so not in this backup: those recordings cannot be read from it`,
  };
}

/** KEK ids sealed recordings need that the backup does not hold (files only). */
export function missingKeks(keys: NonNullable<Manifest["keys"]>): string[] {
  if (keys.source === "command") return [];
  return keys.needed.map((u) => u.keyId).filter((id) => !keys.included.includes(id));
}

/** An existing KEK file a restore would replace with other bytes. */
export interface KekConflict {
  /** The file in the backup (manifest path). */
  path: string;
  /** The existing file it would replace. */
  existing: string;
}

/**
 * The KEK files of `m` whose destination (`dest`) exists with other bytes than the
 * backup's (compared by SHA-256 with the manifest); the same bytes are no conflict.
 */
export async function kekConflicts(
  m: Manifest,
  dest: (f: ManifestFile) => string | null,
  sha256Of: (path: string) => Promise<string>,
): Promise<KekConflict[]> {
  const out: KekConflict[] = [];
  for (const f of m.files) {
    const to = kekIdOf(f) ? dest(f) : null;
    if (to === null) continue;
    let sha: string;
    try {
      sha = await sha256Of(to);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    if (sha !== f.sha256) out.push({ path: f.path, existing: to });
  }
  return out;
}

/** The refusal's message: which files, and what `--force` does. */
export function conflictMessage(conflicts: readonly KekConflict[]): string {
  return "key-encryption key files exist with other contents than the backup's:\n" +
    conflicts.map((c) => `  - ${c.existing} (backup: ${c.path})`).join("\n") +
    "\nthey may be the only copy of keys that recordings sealed since the backup need; " +
    "copy them somewhere safe, or pass --force to keep each beside as " +
    "<file>.before-restore-<time> and restore the backup's";
}
