/**
 * `selrec keys status|rotate|retire|encrypt-existing`: the key-encryption keys (KEKs) of
 * encryption at rest and the data they protect (src/keys). Rotate and encrypt-existing
 * show a progress bar on stderr on a TTY, print one JSON document with `--json`, are
 * audited, resume after a crash, and exit 1 while anything is left to do.
 */
import { AuditLog } from "../audit/audit_log.ts";
import { createLogger } from "../log.ts";
import { CliExit, type CliIO, type Command, table, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";
import { progressBar } from "../archive/format.ts";
import { StepPause } from "../keys/key_files.ts";
import {
  KeyAdminError,
  keysLock,
  keysStatus,
  retireKey,
  rotationDone,
  rotationTarget,
} from "../keys/key_admin.ts";
import { runRotate } from "../keys/rotate_run.ts";
import { signalServe } from "../keys/kek_refresh.ts";
import { runEncryptExisting } from "../keys/encrypt_existing_run.ts";
import { KeyringStartError, openKeyring, recordedKeyId } from "../keys/open_keyring.ts";
import { keyUsage } from "../store/queries/recording_keys.ts";
import { KeyUnavailableError } from "../seal/keyring.ts";

function bar(io: CliIO, json: boolean) {
  if (!io.isTty || json) {
    return { tick: (_p: { done: number; total: number }) => {}, end: () => {} };
  }
  return {
    tick: (p: { done: number; total: number }) =>
      io.stderr(`\r${progressBar(p.done, p.total)} ${p.done}/${p.total}`.padEnd(79)),
    end: () => io.stderr("\n"),
  };
}

async function refused<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof KeyAdminError || err instanceof KeyringStartError) {
      throw new CliExit(1, err.message);
    }
    if (err instanceof KeyUnavailableError) throw new CliExit(1, err.message);
    throw err;
  }
}

export const keysStatusCommand: Command = {
  path: ["keys", "status"],
  summary: "List the key-encryption keys and how many recordings use each",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const s = await keysStatus(store.db, loaded.config);
    if (args.values.json) {
      io.stdout(JSON.stringify(s) + "\n");
      return 0;
    }
    io.stdout(`keys from ${s.source === "files" ? s.keyDir : "encryption.keyCommand"}\n`);
    io.stdout(table(
      s.keys.map((k) => ({
        key: k.keyId,
        recordings: k.recordings,
        current: k.current ? "yes" : "",
        file: s.source === "files" ? (k.file ? "present" : "MISSING") : "(command)",
      })),
      ["key", "recordings", "current", "file"],
    ));
    io.stdout(`${s.sealed} sealed recording(s), ${s.plain} plain\n`);
    if (s.rotationTarget) {
      io.stdout(`rotation to ${s.rotationTarget} unfinished: run selrec keys rotate\n`);
    }
    return 0;
  },
};

export const keysRotateCommand: Command = {
  path: ["keys", "rotate"],
  summary: "Make a new key-encryption key and re-wrap every recording's data key with it",
  usage: "[--json] [--key-id ID]",
  options: { json: { type: "boolean" }, "key-id": { type: "string" } },
  help: [
    "Audio is not re-encrypted: only each sealed file's 104-byte key slot is rewritten",
    "(journaled, fsynced). A run after a crash or with skipped recordings resumes the",
    "unfinished rotation instead of making another key. With encryption.keyCommand, pass",
    "--key-id with the hook's new key id (the hook must already give it); it is kept in",
    "the database as the current KEK, so encryption.keyId need not change. A running",
    "selrec is told (SIGHUP) and new recordings use the new key at once; rotate again to",
    "catch recordings that were in progress. Exit 1 while recordings are left under an",
    "old key.",
  ].join("\n"),
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    using _lock = await keysLock(loaded.config.dataDir);
    const json = Boolean(args.values.json);
    const t = await refused(() =>
      rotationTarget(store.db, loaded.config, args.values["key-id"] as string | undefined)
    );
    if (t.created && !json) io.stderr(`new key-encryption key ${t.keyId}: back it up\n`);
    // The running box takes the new KEK for new recordings before any slot changes.
    const pid = await signalServe(loaded.config.dataDir);
    if (pid !== null && !json) io.stderr(`told selrec serve (pid ${pid}) to use it\n`);
    const progress = bar(io, json);
    const r = await refused(() =>
      runRotate(store.db, t.keyring, {
        keyId: t.keyId,
        onProgress: progress.tick,
        hook: StepPause.parse(io.env.SELREC_KEYS_HOOK),
      })
    );
    progress.end();
    if (r.complete) await rotationDone(store.db);
    await new AuditLog(store.db).append({
      actor: cliActor(io),
      action: "keys.rotate",
      outcome: r.complete ? "ok" : "failed",
      target: { type: "key", id: t.keyId },
      details: { ...r, items: r.items.length, created: t.created },
    });
    if (json) io.stdout(JSON.stringify({ ...r, created: t.created }) + "\n");
    else {
      io.stdout(
        `${r.rewrapped} re-wrapped to ${r.keyId}, ${r.resumed} resumed, ${r.skipped} skipped, ` +
          `${r.missing} missing, ${r.failed} failed` +
          (r.complete ? "; no recording at rest is left under an older key\n" : "\n"),
      );
      for (const i of r.items) io.stdout(`${i.id}  ${i.outcome}  ${i.detail}\n`);
    }
    return r.complete && r.failed === 0 ? 0 : 1;
  },
};

export const keysRetireCommand: Command = {
  path: ["keys", "retire"],
  summary: "Remove a key-encryption key no recording uses any more",
  usage: "ID",
  help: "Refused while any recording (or an unfinished rotation) uses the key, or it is current.",
  async run(args, io) {
    const id = args.positionals[0];
    if (!id || args.positionals.length !== 1) throw new UsageError("expected one key id");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    using _lock = await keysLock(loaded.config.dataDir);
    const r = await refused(() => retireKey(store.db, loaded.config, id));
    await new AuditLog(store.db).append({
      actor: cliActor(io),
      action: "keys.retire",
      target: { type: "key", id },
      details: { removed: r.removed },
    });
    io.stdout(
      r.removed
        ? `retired ${id}: removed ${r.removed} (older backups still hold it)\n`
        : `no recording uses ${id}; retire it in the KMS/HSM behind encryption.keyCommand\n`,
    );
    return 0;
  },
};

export const keysEncryptExistingCommand: Command = {
  path: ["keys", "encrypt-existing"],
  summary: "Seal the plain recordings made before encryption was on",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  help: [
    "Each file is sealed beside itself (<name>.sealed.<ext>), verified by decrypting it",
    "against the stored SHA-256, the recording switched to it in one transaction, and only",
    "then the plain file removed. Recordings on archive targets are converted in place on",
    "the target when it is reachable, skipped otherwise. Resumes after a crash. Exit 1",
    "while recordings are left plain (skipped, missing or failed).",
  ].join("\n"),
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const { config } = loaded;
    if (!config.encryption.enabled) {
      throw new CliExit(1, "encryption.enabled is false: turn encryption on first");
    }
    await using store = await storeFor(loaded);
    using _lock = await keysLock(config.dataDir);
    const json = Boolean(args.values.json);
    const log = createLogger({ level: "warn", format: "json", write: (l) => io.stderr(l + "\n") });
    const keyring = await refused(async () =>
      (await openKeyring(config, await keyUsage(store.db), log, {
        recordedKeyId: recordedKeyId(store.db, config.encryption),
      }))!
    );
    const progress = bar(io, json);
    const r = await runEncryptExisting(store.db, keyring, {
      chunkBytes: config.encryption.chunkBytes,
      onProgress: progress.tick,
      hook: StepPause.parse(io.env.SELREC_KEYS_HOOK),
    });
    progress.end();
    const left = r.skipped + r.missing + r.failed;
    await new AuditLog(store.db).append({
      actor: cliActor(io),
      action: "keys.encrypt_existing",
      outcome: left === 0 ? "ok" : "failed",
      target: { type: "key", id: r.keyId },
      details: { ...r, items: r.items.length },
    });
    if (json) io.stdout(JSON.stringify(r) + "\n");
    else {
      io.stdout(
        `${r.sealed} of ${r.total} sealed under ${r.keyId}, ${r.resumed} resumed, ` +
          `${r.skipped} skipped, ${r.missing} missing, ${r.failed} failed\n`,
      );
      for (const i of r.items) io.stdout(`${i.id}  ${i.outcome}  ${i.detail}\n`);
    }
    return left === 0 ? 0 : 1;
  },
};

/** The key commands, in help order. */
export const KEYS_COMMANDS: Command[] = [
  keysStatusCommand,
  keysRotateCommand,
  keysRetireCommand,
  keysEncryptExistingCommand,
];
