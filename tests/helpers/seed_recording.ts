/**
 * Seeds finished recordings into a running (or stopped) box's store for tests of the read
 * path: the file in the spool, the calls and recordings rows with the file's real SHA-256,
 * and a partition; and seals a plaintext the way the recorder does, under the box's KEK.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Store } from "../../src/store/db.ts";
import { listKekIds, readKekFile } from "../../src/keys/key_store.ts";
import { wrapDataKey } from "../../src/seal/keyring.ts";
import { sealBytes } from "../../src/seal/sealed_format.ts";

/** SHA-256 hex of `b`. */
export const sha256Of = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/**
 * Seals `plaintext` in `chunkBytes` chunks under a fresh data key wrapped by the box's
 * first KEK in `dataDir/keys` (the server creates it at first start with encryption on).
 */
export async function sealForBox(
  dataDir: string,
  plaintext: Uint8Array,
  chunkBytes = 4096,
): Promise<{ keyId: string; sealed: Uint8Array }> {
  const keyDir = join(dataDir, "keys");
  const [keyId] = await listKekIds(keyDir);
  if (!keyId) throw new Error(`No KEK in ${keyDir}`);
  const kek = await readKekFile(keyDir, keyId);
  const dataKey = crypto.getRandomValues(new Uint8Array(32));
  const wrappedKey = wrapDataKey(kek, keyId, dataKey);
  return { keyId, sealed: sealBytes({ keyId, dataKey, wrappedKey }, plaintext, chunkBytes) };
}

/** What to seed. */
export interface SeedRecording {
  id: string;
  /** The stored file's bytes (sealed bytes for a sealed recording). */
  stored: Uint8Array;
  /** The KEK id of a sealed file; absent for a plain one. */
  keyId?: string;
  durationMs?: number;
  customerId?: string;
}

/** Writes the file into the box's spool and inserts its rows; returns the file's path. */
export async function seedRecording(store: Store, r: SeedRecording): Promise<string> {
  const db = store.db;
  const spool = await db.selectFrom("storage_locations").select(["id", "path"])
    .where("kind", "=", "spool").executeTakeFirstOrThrow();
  const ts = "2026-03-01T09:00:00.000Z";
  const rel = `2026/${r.id}.ogg`;
  await Deno.mkdir(join(spool.path, "2026"), { recursive: true });
  await Deno.writeFile(join(spool.path, rel), r.stored);
  await db.insertInto("calls").values(
    { id: `call-${r.id}`, call_key: `k-${r.id}`, source: "siprec", started_at: ts } as never,
  ).execute();
  await db.insertInto("recordings").values({
    id: r.id,
    call_id: `call-${r.id}`,
    state: "complete",
    format: "opus",
    started_at: ts,
    duration_ms: r.durationMs ?? 3000,
    size_bytes: r.stored.length,
    sha256: sha256Of(r.stored),
    path: rel,
    storage_location_id: spool.id,
    legal_hold: 0,
    agent_id: "ag1",
    customer_id: r.customerId ?? "CUST-INT",
    allow_pause: 1,
    flag_interrupted: 0,
    flag_no_media: 0,
    flag_one_way: 0,
    flag_paused: 0,
    flag_gaps: 0,
    created_at: ts,
    sealed: r.keyId ? 1 : 0,
    key_id: r.keyId ?? null,
  } as never).execute();
  await db.insertInto("recording_partitions").values({ recording_id: r.id, partition: "p1" })
    .execute();
  return join(spool.path, rel);
}
