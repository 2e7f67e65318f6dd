/** `backup --out DIR` and `restore DIR`: the database, keys, config and rules, with a manifest. */
import { join } from "node:path";
import { databasePath } from "../store/db.ts";
import { takeBackup } from "../backup/backup_files.ts";
import { missingKeks } from "../backup/backup_keys.ts";
import { restoreBackup, RestoreRefused } from "../backup/restore.ts";
import { type Command, UsageError } from "./command.ts";
import { configFor } from "./context.ts";
import { keyDirOf } from "../keys/open_keyring.ts";

export const backupCommand: Command = {
  path: ["backup"],
  summary: "Copy the database (consistent, online), keys, config and rules into DIR",
  usage: "--out DIR [--json]",
  options: { out: { type: "string" }, json: { type: "boolean" } },
  help: "DIR must be absent or empty; it gets manifest.json (sizes, SHA-256, version, schema)\n" +
    "and SHA256SUMS. Recordings are not copied: back up the spool (<dataDir>/recordings)\n" +
    "and the archive targets with rsync or your NAS's snapshots. The key-encryption keys\n" +
    "(encryption.keyDir, wherever it is) are included; a keyCommand's keys live in the\n" +
    "KMS/HSM and are not (the manifest's keys.note says which key ids recordings need).",
  async run(args, io) {
    const out = args.values.out as string | undefined;
    if (!out) throw new UsageError("--out DIR is required");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const db = databasePath(loaded.config.dataDir);
    if (!await Deno.stat(db).then(() => true, () => false)) {
      io.stderr(`no database at ${db} (config: ${loaded.source}); is this the right config?\n`);
      return 2;
    }
    const m = await takeBackup({ config: loaded.config, configSource: loaded.source }, out);
    if (args.values.json) io.stdout(JSON.stringify(m) + "\n");
    else {
      const bytes = m.files.reduce((n, f) => n + f.size, 0);
      io.stdout(
        `backup written to ${out}: ${m.files.length} files, ${bytes} bytes ` +
          `(${m.recordings.count} recordings listed; their audio stays on the spool and targets)\n`,
      );
    }
    if (m.keys && (m.keys.source === "command" || missingKeks(m.keys).length > 0)) {
      io.stderr(`keys: ${m.keys.note}\n`);
    }
    return 0;
  },
};

export const restoreCommand: Command = {
  path: ["restore"],
  summary: "Restore a backup into the data directory (the box must be stopped)",
  usage: "DIR [--force] [--json]",
  options: { force: { type: "boolean" }, json: { type: "boolean" } },
  help: "Verifies every file against the manifest first. Refuses while selrec serve runs on\n" +
    "the data directory, and over an existing database unless --force (kept beside it).\n" +
    "KEK files go to encryption.keyDir; an existing one with other bytes refuses the\n" +
    "restore unless --force (it is kept beside as <file>.before-restore-<time>).\n" +
    "Config and rules are in DIR/config and DIR/rules: copy them back if this box lacks them.\n" +
    "Reports listed recordings whose file is not where the box looks (copy the spool back).",
  async run(args, io) {
    const from = args.positionals[0];
    if (!from) throw new UsageError("the backup directory is required");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    try {
      const r = await restoreBackup({
        from,
        dataDir: loaded.config.dataDir,
        keyDir: keyDirOf(loaded.config),
        force: args.values.force === true,
      });
      const missing = r.recordings.missing.map((x) => ({ id: x.id, path: x.path }));
      if (args.values.json) {
        io.stdout(JSON.stringify({ ...r, recordings: { ...r.recordings, missing } }) + "\n");
      } else {
        io.stdout(
          `restored ${from} (selrec ${r.manifest.version}, ${r.manifest.created}) into ` +
            `${loaded.config.dataDir}\nintegrity: ${r.integrity}\n` +
            `recordings: ${r.recordings.listed} listed, ${r.recordings.present} with their file` +
            (r.setAside ? `\nprevious database kept as ${r.setAside}` : "") +
            r.keptKeks.map((k) => `\nprevious key file kept as ${k}`).join("") + "\n",
        );
        if (missing.length > 0) {
          io.stderr(
            `${missing.length} recordings have no file where the box looks, e.g. ${
              missing.slice(0, 3).map((x) => x.id).join(", ")
            }: copy the spool back, e.g. rsync -a OLD/recordings/ ${
              join(loaded.config.dataDir, "recordings")
            }/\n`,
          );
        }
      }
      return r.integrity === "ok" ? 0 : 1;
    } catch (err) {
      if (!(err instanceof RestoreRefused)) throw err;
      io.stderr(err.message + "\n");
      return err.code;
    }
  },
};
