/**
 * Recovery of sealed files after a crash (the sealed half of recovery.ts).
 *
 * A sealed `.partial`: first closed in place with src/seal's recoverSealed (cut after the
 * last whole chunk, empty FINAL chunk and index; at most one sync interval lost), then
 * its plaintext is cut at the last whole Ogg page (or WAV frame) and the page marked EOS
 * (codec's planRecovery), exactly as a plain file; because changing sealed bytes would
 * reuse a nonce, the result is re-sealed with the same data key under a fresh nonce
 * prefix, written beside it and renamed to the final name; then the `.partial` goes.
 * Running it again after a crash at any step gives the same result.
 *
 * A sealed spill journal is read through its key and salvaged as a sealed WAV.
 *
 * @module
 */
import { dirname } from "node:path";
import { finalPathOf, sha256File } from "../codec/_durable_file.ts";
import { type FinishedRecording, planRecovery } from "../codec/recording_file.ts";
import type { Keyring } from "../seal/keyring.ts";
import {
  HEADER_BYTES,
  isSealed,
  openBytes,
  parseHeader,
  type SealKey,
} from "../seal/sealed_format.ts";
import { scanSealed } from "../seal/sealed_scan.ts";
import { recoverSealed, writeSealedFile } from "../seal/sealed_writer.ts";
import { type JournalIo, plainJournalIo } from "./spill_journal.ts";

/** True when the file at `path` is sealed (starts with the sealed magic). */
export async function isSealedFile(path: string): Promise<boolean> {
  return isSealed(await readHead(path));
}

async function readHead(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const head = new Uint8Array(HEADER_BYTES);
  let n = 0;
  while (n < head.length) {
    const r = await file.read(head.subarray(n));
    if (r === null) break;
    n += r;
  }
  return head.subarray(0, n);
}

/** The KEK id in a sealed file's header, or null for a plain file. */
export async function sealedKeyId(path: string): Promise<string | null> {
  const head = await readHead(path);
  return isSealed(head) ? parseHeader(head, path).keyId : null;
}

async function keyOf(
  path: string,
  keyring: Keyring | null,
): Promise<SealKey & { chunkBytes: number }> {
  if (!keyring) throw new Error(`${path} is sealed but encryption keys are not loaded`);
  const header = parseHeader(await readHead(path), path);
  const dataKey = await keyring.unwrap(header, path);
  return {
    keyId: header.keyId,
    wrappedKey: header.wrappedKey,
    dataKey,
    chunkBytes: header.chunkBytes,
  };
}

/** Closes a sealed `.ogg.partial`/`.wav.partial` left by a crash; see the module doc. */
export async function recoverSealedPartial(
  partialPath: string,
  keyring: Keyring | null,
): Promise<FinishedRecording> {
  const finalPath = finalPathOf(partialPath);
  const key = await keyOf(partialPath, keyring);
  await recoverSealed(partialPath, key.dataKey);
  const plaintext = openBytes(await Deno.readFile(partialPath), key.dataKey, partialPath);
  const plan = planRecovery(plaintext, finalPath.endsWith(".wav") ? "wav" : "opus");
  const size = Math.max(plan.end, ...plan.patch.map(([o, b]) => o + b.length));
  const fixed = new Uint8Array(size);
  fixed.set(plaintext.subarray(0, Math.min(plan.end, plaintext.length)));
  for (const [offset, bytes] of plan.patch) fixed.set(bytes, offset);
  const { bytes } = await writeSealedFile(
    finalPath,
    key,
    fixed.subarray(0, plan.end),
    key.chunkBytes,
  );
  await Deno.remove(partialPath);
  using dir = await Deno.open(dirname(finalPath), { read: true });
  await dir.sync();
  return {
    path: finalPath,
    sha256: await sha256File(finalPath),
    bytes,
    durationMs: plan.durationMs,
  };
}

/**
 * How salvageJournal reads and writes a journal that may be sealed: a sealed journal's
 * whole authentic chunks are its bytes, and its WAV is sealed with the same data key.
 * One object per journal (it remembers the key between the read and the write).
 */
export function sealedJournalIo(keyring: Keyring | null): JournalIo {
  let key: (SealKey & { chunkBytes: number }) | null = null;
  return {
    async read(path) {
      if (!(await isSealedFile(path))) return await plainJournalIo.read(path);
      key = await keyOf(path, keyring);
      const scan = scanSealed(await Deno.readFile(path), key.dataKey, path, { plaintext: true });
      return scan.plaintext!;
    },
    async write(path, bytes) {
      if (!key) return await plainJournalIo.write(path, bytes);
      await writeSealedFile(path, key, bytes, key.chunkBytes);
    },
  };
}
