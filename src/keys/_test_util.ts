/** Test helpers for src/keys and its integration tests: a temp box with sealed and plain recordings. */
import { join } from "node:path";
import { stringify } from "yaml";
import { resolveConfig } from "../config.ts";
import { type StorageBox, storageBox } from "../archive/_test_util.ts";
import { spoolDir } from "../archive/status.ts";
import { Keyring } from "../seal/keyring.ts";
import { writeSealedFile } from "../seal/sealed_writer.ts";
import { createKekFile, fileKekSource, listKekIds } from "./key_store.ts";
import { keyDirOf } from "./open_keyring.ts";
import { hashFile } from "./key_files.ts";

/** A {@link StorageBox} with encryption on and helpers for sealed recordings. */
export interface KeysBox extends StorageBox {
  keyDir: string;
  /** A keyring over the key files, current = the newest. */
  keyring(): Promise<Keyring>;
  /** Adds a complete sealed recording of `data` under the newest KEK (made if none). */
  addSealed(data: Uint8Array, chunkBytes?: number): Promise<{ id: string; file: string }>;
}

/** Creates a {@link KeysBox}. */
export async function keysBox(): Promise<KeysBox> {
  const box = await storageBox();
  const raw = {
    dataDir: join(box.dir, "data"),
    storage: { reserveBytes: 0 },
    encryption: { enabled: true, chunkBytes: 4096 },
  };
  await Deno.writeTextFile(box.configFile, stringify(raw));
  const config = resolveConfig(raw, {}, box.configFile);
  const keyDir = keyDirOf(config);
  let n = 0;
  const keyring = async () => {
    const ids = await listKekIds(keyDir);
    const current = ids.at(-1) ?? await createKekFile(keyDir);
    return new Keyring(fileKekSource(keyDir, current));
  };
  return Object.assign(box, {
    config,
    keyDir,
    keyring,
    async addSealed(data: Uint8Array, chunkBytes = 4096) {
      const ring = await keyring();
      const id = `sealed-${++n}-${crypto.randomUUID().slice(0, 8)}`;
      const rel = `2026/01/02/${id}.ogg`;
      const file = join(spoolDir(config), rel);
      await Deno.mkdir(join(file, ".."), { recursive: true });
      const key = await ring.newDataKey();
      await writeSealedFile(file, key, data, chunkBytes);
      const { sha256, size } = await hashFile(file);
      const created = "2026-01-02T03:04:05.000Z";
      box.store.raw.prepare(
        "INSERT INTO calls (id, call_key, source, started_at, metadata) VALUES (?, ?, 'api', ?, '{}')",
      ).run(`call-${id}`, `key-${id}`, created);
      box.store.raw.prepare(
        `INSERT INTO recordings (id, call_id, state, format, started_at, ended_at, size_bytes,
          sha256, path, storage_location_id, legal_hold, created_at, sealed, key_id)
         VALUES (?, ?, 'complete', 'opus', ?, ?, ?, ?, ?, ?, 0, ?, 1, ?)`,
      ).run(id, `call-${id}`, created, created, size, sha256, rel, box.spoolId, created, key.keyId);
      return { id, file };
    },
  });
}
