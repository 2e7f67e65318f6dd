/**
 * Reading sealed recordings in tests the way an operator holding the keys would: the
 * KEK files of a data directory (`<dataDir>/keys`); a recording's plaintext comes from
 * recording_bytes.ts.
 */
import { join } from "node:path";
import { Keyring } from "../../src/seal/keyring.ts";
import { fileKekSource, listKekIds } from "../../src/keys/key_store.ts";
import { isSealed } from "../../src/seal/sealed_format.ts";

/** The keyring of a data directory's KEK files. */
export async function dataDirKeyring(dataDir: string): Promise<Keyring> {
  const keyDir = join(dataDir, "keys");
  const ids = await listKekIds(keyDir);
  if (ids.length === 0) throw new Error(`no KEK file in ${keyDir}`);
  return new Keyring(fileKekSource(keyDir, ids.at(-1)!));
}

/** True when the file starts like a sealed file. */
export async function fileIsSealed(path: string): Promise<boolean> {
  using f = await Deno.open(path, { read: true });
  const head = new Uint8Array(8);
  const n = await f.read(head);
  return isSealed(head.subarray(0, n ?? 0));
}

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await filesUnder(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

/** Offset of `needle` in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (
    let i = hay.indexOf(first);
    i !== -1 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
