/**
 * What `selrec keys status|rotate|retire` decide about KEKs, over the key store
 * (key_store.ts) and the database: which KEKs exist and how many recordings need each,
 * the rotation target (a new KEK file, or the hook's new id), and retiring a KEK no
 * recording needs any more. One run at a time: {@link keysLock}.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Db } from "../store/db.ts";
import { Keyring } from "../seal/keyring.ts";
import { getSetting, setSetting } from "../store/queries/storage.ts";
import { keyIdsInJobs, recordingsPerKey, sealedCounts } from "../store/queries/key_jobs.ts";
import {
  commandKekSource,
  createKekFile,
  fileKekSource,
  kekPath,
  listKekIds,
} from "./key_store.ts";
import { keyDirOf, recordCurrentKeyId, recordedKeyId } from "./open_keyring.ts";
import { syncDir } from "./key_files.ts";

/** The settings key holding the KEK an unfinished rotation re-wraps to. */
export const ROTATION_SETTING = "keys.rotation.target";

type KeyConfig = Pick<Config, "dataDir" | "encryption">;

/** One KEK in `keys status`. */
export interface KekStatus {
  keyId: string;
  /** Live recordings (not deleted or purged) whose data key it wraps. */
  recordings: number;
  /** New recordings are wrapped under it. */
  current: boolean;
  /** Its key file is in the key directory (always false with a key command). */
  file: boolean;
}

/** `keys status`. */
export interface KeysStatus {
  source: "files" | "command";
  keyDir: string;
  keys: KekStatus[];
  sealed: number;
  plain: number;
  /** The target of a rotation that has not finished, or null. */
  rotationTarget: string | null;
}

/** Every KEK the box has or a recording needs, with its use. */
export async function keysStatus(db: Db, config: KeyConfig): Promise<KeysStatus> {
  const keyDir = keyDirOf(config);
  const command = !!config.encryption.keyCommand;
  const files = command ? [] : await listKekIds(keyDir);
  const uses = await recordingsPerKey(db);
  const current = command
    ? await recordedKeyId(db, config.encryption)() ?? config.encryption.keyId!
    : files.at(-1) ?? null;
  const ids = [...new Set([...files, ...uses.keys(), ...(current ? [current] : [])])].sort();
  return {
    source: command ? "command" : "files",
    keyDir,
    keys: ids.map((keyId) => ({
      keyId,
      recordings: uses.get(keyId) ?? 0,
      current: keyId === current,
      file: files.includes(keyId),
    })),
    ...(await sealedCounts(db)),
    rotationTarget: await getSetting(db, ROTATION_SETTING),
  };
}

/** A key command refused, or a KEK that cannot be retired: the message says why. */
export class KeyAdminError extends Error {
  override readonly name = "KeyAdminError";
}

/**
 * The KEK a rotation re-wraps to and the keyring that reaches it. With key files: the
 * target of an unfinished rotation, else a new KEK file (which, sorting last, is current
 * for new recordings as soon as a box sees it). With a key command: `keyId` (the hook's
 * new key id, `--key-id`), else the unfinished rotation's target, else the current KEK
 * (a run that catches recordings left under older ones). The hook must give the target
 * before anything is recorded; the target is then kept as the current KEK
 * (open_keyring.ts `recordCurrentKeyId`), which a running box reads on SIGHUP or its timer.
 */
export async function rotationTarget(
  db: Db,
  config: KeyConfig,
  keyId?: string,
): Promise<{ keyId: string; keyring: Keyring; created: boolean }> {
  const enc = config.encryption;
  if (enc.keyCommand) {
    const current = await recordedKeyId(db, enc)() ?? enc.keyId!;
    const target = keyId ?? await getSetting(db, ROTATION_SETTING) ?? current;
    const keyring = new Keyring(commandKekSource(enc.keyCommand, target));
    await keyring.kek(target); // a hook that cannot give it refuses the run here
    await setSetting(db, ROTATION_SETTING, target);
    await recordCurrentKeyId(db, enc, target);
    return { keyId: target, keyring, created: false };
  }
  if (keyId) {
    throw new KeyAdminError(
      "--key-id is for a key command; with key files rotate makes the new KEK",
    );
  }
  const keyDir = keyDirOf(config);
  const pending = await getSetting(db, ROTATION_SETTING);
  const files = await listKekIds(keyDir);
  if (pending && files.includes(pending)) {
    return { keyId: pending, keyring: new Keyring(fileKekSource(keyDir, pending)), created: false };
  }
  const target = await createKekFile(keyDir, stampAfter(files.at(-1)));
  await setSetting(db, ROTATION_SETTING, target);
  return { keyId: target, keyring: new Keyring(fileKekSource(keyDir, target)), created: true };
}

/**
 * A time for the new KEK's id that sorts after `lastId` (ids carry their UTC second, and
 * the last one is current): now, or one second past the last id's stamp.
 */
function stampAfter(lastId: string | undefined, now = new Date()): Date {
  const m = lastId ? /^kek-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(lastId) : null;
  if (!m) return now;
  const last = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return new Date(Math.max(now.getTime(), last + 1000));
}

/** Forgets the rotation target once a run completed. */
export async function rotationDone(db: Db): Promise<void> {
  await setSetting(db, ROTATION_SETTING, null);
}

/**
 * Retires KEK `keyId`: refused while any live recording (in any state, recording or
 * archived or missing) or an unfinished rotation step needs it, or while it is current.
 * With key files the file is removed (and the directory fsynced); with a key command
 * nothing is removed here and the caller says to retire it in the KMS.
 */
export async function retireKey(
  db: Db,
  config: KeyConfig,
  keyId: string,
): Promise<{ removed: string | null }> {
  const status = await keysStatus(db, config);
  const k = status.keys.find((s) => s.keyId === keyId);
  if (!k) throw new KeyAdminError(`no key "${keyId}" (see selrec keys status)`);
  if (k.recordings > 0) {
    throw new KeyAdminError(
      `key "${keyId}" is still used by ${k.recordings} recording(s); run selrec keys rotate ` +
        "until it finishes, then retire it",
    );
  }
  if ((await keyIdsInJobs(db)).has(keyId) || status.rotationTarget === keyId) {
    throw new KeyAdminError(
      `key "${keyId}" is part of an unfinished rotation; run selrec keys rotate`,
    );
  }
  if (k.current) {
    throw new KeyAdminError(
      `key "${keyId}" is the current key (new recordings use it); rotate first`,
    );
  }
  if (!k.file) return { removed: null };
  const file = kekPath(status.keyDir, keyId);
  await Deno.remove(file);
  await syncDir(status.keyDir);
  return { removed: file };
}

/**
 * Holds the exclusive lock of the key commands (`<dataDir>/keys.lock`, flock) until
 * disposed; a second rotate, retire or encrypt-existing waits for the first.
 */
export async function keysLock(dataDir: string): Promise<Disposable> {
  await Deno.mkdir(dataDir, { recursive: true });
  const file = await Deno.open(join(dataDir, "keys.lock"), { write: true, create: true });
  await file.lock(true);
  return {
    [Symbol.dispose]() {
      file.close();
    },
  };
}
