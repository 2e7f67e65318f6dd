/**
 * The start-up key check of `serve`: builds the keyring from the config and refuses to
 * start when a KEK that sealed recordings need cannot be had, naming the file (or the
 * hook and key id) and what to restore. A new KEK file is made only on a box with no
 * sealed recording at all (first start with encryption on), never to replace a lost one.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { Keyring, KeyUnavailableError } from "../seal/keyring.ts";
import type { KeyUsage } from "../store/queries/recording_keys.ts";
import type { Db } from "../store/db.ts";
import { getSetting, setSetting } from "../store/queries/storage.ts";
import {
  commandKekSource,
  createKekFile,
  fileKekSource,
  kekPath,
  listKekIds,
} from "./key_store.ts";

/** The keys are not there: `serve` must not start. The message says what to restore. */
export class KeyringStartError extends Error {
  override readonly name = "KeyringStartError";
}

/** The directory of the KEK files. */
export function keyDirOf(config: Pick<Config, "dataDir" | "encryption">): string {
  return config.encryption.keyDir ?? join(config.dataDir, "keys");
}

/**
 * The settings key holding the KEK id new recordings use with `encryption.keyCommand`
 * once `selrec keys rotate --key-id` chose one, with the `encryption.keyId` it overrides
 * (JSON `{"keyId","over"}`). It wins while the config still names that `over` id: an
 * operator who edits `encryption.keyId` afterwards is obeyed again. (With key files the
 * newest file is current; nothing is kept.)
 */
export const CURRENT_KEY_SETTING = "keys.current";

type EncConfig = Pick<Config["encryption"], "keyId">;

/**
 * Reads the KEK id a rotation made current ({@link CURRENT_KEY_SETTING}); null when none
 * was, or the config's `encryption.keyId` changed since.
 */
export function recordedKeyId(db: Db, enc: EncConfig): () => Promise<string | null> {
  return async () => {
    const raw = await getSetting(db, CURRENT_KEY_SETTING);
    if (raw === null) return null;
    const v = JSON.parse(raw) as { keyId?: unknown; over?: unknown };
    const over = enc.keyId ?? null;
    return typeof v.keyId === "string" && v.over === over ? v.keyId : null;
  };
}

/** Keeps `keyId` as the current KEK of a key command box ({@link CURRENT_KEY_SETTING}). */
export async function recordCurrentKeyId(db: Db, enc: EncConfig, keyId: string): Promise<void> {
  await setSetting(db, CURRENT_KEY_SETTING, JSON.stringify({ keyId, over: enc.keyId ?? null }));
}

/** Options of {@link openKeyring}. */
export interface OpenKeyringOptions {
  now?: Date;
  /** The rotation's current KEK id ({@link recordedKeyId}); key commands only. */
  recordedKeyId?: () => Promise<string | null>;
}

/**
 * Opens the keyring: null when encryption is off and no recording is sealed. `usage` is
 * what the store says sealed recordings need (recording_keys.ts keyUsage). Loads (and
 * so checks) every needed KEK and the current one.
 */
export async function openKeyring(
  config: Pick<Config, "dataDir" | "encryption">,
  usage: KeyUsage[],
  log: Logger,
  opts: OpenKeyringOptions = {},
): Promise<Keyring | null> {
  const enc = config.encryption;
  if (!enc.enabled && usage.length === 0) return null;
  const keyDir = keyDirOf(config);
  let keyring: Keyring;
  if (enc.keyCommand) {
    const recorded = await opts.recordedKeyId?.() ?? null;
    if (recorded && recorded !== enc.keyId) {
      log.info("new recordings use the KEK the last rotation chose, not encryption.keyId", {
        current: recorded,
        configured: enc.keyId,
      });
    }
    const current = recorded ?? enc.keyId!;
    keyring = new Keyring(commandKekSource(enc.keyCommand, current, opts.recordedKeyId));
  } else {
    let ids = await listKekIds(keyDir);
    if (ids.length === 0 && usage.length === 0) {
      const id = await createKekFile(keyDir, opts.now);
      log.warn("created the key-encryption key: back it up with the data directory", {
        file: kekPath(keyDir, id),
      });
      ids = [id];
    }
    const current = ids.at(-1) ?? usage.at(-1)!.keyId;
    keyring = new Keyring(fileKekSource(keyDir, current));
    await warnLoosePermissions(keyDir, ids, log);
  }
  const needed = new Map(usage.map((u) => [u.keyId, u.recordings]));
  if (enc.enabled && !needed.has(keyring.currentKeyId)) needed.set(keyring.currentKeyId, 0);
  for (const [keyId, recordings] of needed) {
    try {
      await keyring.kek(keyId);
    } catch (err) {
      if (!(err instanceof KeyUnavailableError)) throw err;
      throw new KeyringStartError(refusal(config, keyId, recordings, err));
    }
  }
  return keyring;
}

function refusal(
  config: Pick<Config, "dataDir" | "encryption">,
  keyId: string,
  recordings: number,
  err: KeyUnavailableError,
): string {
  const needs = recordings > 0
    ? `${recordings} sealed recording(s) need key "${keyId}"`
    : `key "${keyId}" is the one new recordings use`;
  if (config.encryption.keyCommand) {
    return `cannot start: ${needs}, and ${err.detail}. Make encryption.keyCommand return ` +
      `key "${keyId}" again (restore it in the KMS/HSM); selrec does not make a new key`;
  }
  const file = kekPath(keyDirOf(config), keyId);
  return `cannot start: ${needs}, and ${err.detail}. Restore ${file} (mode 0600, owned by ` +
    `the selrec user) from the backup of ${keyDirOf(config)}; selrec never makes a new key ` +
    `in its place, because the recordings sealed under it could not be read without it`;
}

async function warnLoosePermissions(keyDir: string, ids: string[], log: Logger): Promise<void> {
  for (const id of ids) {
    const file = kekPath(keyDir, id);
    const { mode } = await Deno.stat(file);
    if (mode !== null && (mode & 0o077) !== 0) {
      log.warn("key file is readable by others than its owner: chmod 600 it", {
        file,
        mode: (mode & 0o777).toString(8),
      });
    }
  }
}
