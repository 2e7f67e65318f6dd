/**
 * The backup manifest (`manifest.json`): what a `selrec backup` directory holds, with each
 * file's size and SHA-256, the selrec version and schema (applied migrations) it came from,
 * and when. Pure: building, parsing and comparing; reading files is backup_files.ts's job.
 *
 * ```
 * DIR/manifest.json              this
 * DIR/SHA256SUMS                 the same sums for `sha256sum -c`
 * DIR/data/selrec.db             consistent snapshot (VACUUM INTO)
 * DIR/data/audit-checkpoints.jsonl   signed checkpoints (copied before the snapshot)
 * DIR/data/keys/…                audit signing key pair, key-encryption keys (kek-*.key)
 * DIR/kek/…                      KEK files of an encryption.keyDir outside data/keys
 *                                (manifest `keys`: where the KEKs were; a keyCommand's
 *                                keys stay in the KMS/HSM and are not in the backup)
 * DIR/config/selrec.yaml         the config in force (when it came from a file)
 * DIR/rules/…                    rule files
 * DIR/tls/…                      certificate and key files named by the config
 * ```
 */
import { z } from "zod";

/** The manifest format this build writes and reads. */
export const MANIFEST_FORMAT = "selrec-backup/1";

/** What a file in the backup is. */
export const FILE_ROLES = ["database", "audit", "key", "config", "rules", "tls"] as const;

const FileEntry = z.strictObject({
  /** Relative to the backup directory, `/`-separated. */
  path: z.string().min(1).refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
    message: "expected a relative path inside the backup",
  }),
  role: z.enum(FILE_ROLES),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Where the key-encryption keys were (backup_keys.ts); absent in older backups. */
const KeysEntry = z.strictObject({
  /** KEK files (held in the backup) or a key command (a KMS/HSM: not in the backup). */
  source: z.enum(["files", "command"]),
  /** The key directory, or the key command's program. */
  location: z.string(),
  /** KEK ids whose files the backup holds. */
  included: z.array(z.string()),
  /** KEK ids sealed recordings need, with how many recordings each. */
  needed: z.array(z.strictObject({ keyId: z.string(), recordings: z.number().int().min(0) })),
  /** What else must be kept for sealed recordings to stay readable, in words. */
  note: z.string(),
});

const ManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.string(),
  created: z.string(),
  migrations: z.array(z.string()),
  source: z.strictObject({ dataDir: z.string(), config: z.string(), rulesDir: z.string() }),
  recordings: z.strictObject({ count: z.number().int().min(0), bytes: z.number().min(0) }),
  keys: KeysEntry.optional(),
  files: z.array(FileEntry).min(1),
});

/** The parsed manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** One file of the manifest. */
export type ManifestFile = Manifest["files"][number];
/** A file as found on disk. */
export type FoundFile = { path: string; size: number; sha256: string } | {
  path: string;
  missing: true;
};

/** Parses manifest.json; throws SyntaxError naming the first bad field. */
export function parseManifest(text: string, source = "manifest.json"): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`Cannot parse ${source}: ${(err as Error).message}`);
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SyntaxError(`Cannot parse ${source}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const database = r.data.files.filter((f) => f.role === "database");
  if (database.length !== 1) {
    throw new SyntaxError(
      `Cannot parse ${source}: expected one database file, got ${database.length}`,
    );
  }
  return r.data;
}

/** Renders the manifest (stable key order, trailing newline). */
export function manifestText(m: Manifest): string {
  return JSON.stringify(m, null, 2) + "\n";
}

/** `sha256sum -c` lines for the files. */
export function sha256sums(files: readonly ManifestFile[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join("");
}

/**
 * Compares the manifest with the files found; returns one problem per file that is
 * missing or whose size or SHA-256 differs (empty when the backup is intact).
 */
export function verifyFiles(m: Manifest, found: readonly FoundFile[]): string[] {
  const byPath = new Map(found.map((f) => [f.path, f]));
  const problems: string[] = [];
  for (const f of m.files) {
    const got = byPath.get(f.path);
    if (!got || "missing" in got) problems.push(`${f.path}: missing`);
    else if (got.size !== f.size) {
      problems.push(`${f.path}: ${got.size} bytes, manifest says ${f.size}`);
    } else if (got.sha256 !== f.sha256) {
      problems.push(`${f.path}: SHA-256 differs from the manifest`);
    }
  }
  return problems;
}

/** Migrations the backup's database has that this build does not know (newer schema). */
export function unknownMigrations(m: Manifest, known: readonly string[]): string[] {
  return m.migrations.filter((name) => !known.includes(name));
}
