/**
 * What a recording (or spill journal) file holds, for tests that check what the box
 * wrote: a sealed file (encryption at rest, src/seal) is opened with the box's own reader
 * and the KEK files of its data directory, every chunk authenticated; a plain file's bytes
 * are returned as they are. Tests read recordings through here so they hold whether
 * `encryption.enabled` is on or off.
 */
import { basename, join } from "node:path";
import type { Keyring } from "../../src/seal/keyring.ts";
import { openSealedFile, readSealedChunks } from "../../src/seal/sealed_reader.ts";
import { concat } from "../../src/seal/sealed_format.ts";
import { dataDirKeyring, fileIsSealed } from "./sealed.ts";

/** Whose keys open sealed files: a data directory (its `keys/` KEK files) or a keyring. */
export type RecordingKeys = string | Keyring;

/** Options of {@link recordingPlaintext}. */
export interface PlaintextOptions {
  /**
   * The file is still being written or was cut short (a `.partial`, a spill journal): its
   * whole authentic chunks, no FINAL chunk required. Default: true for names ending in
   * `.partial` or `.journal`, else false (the whole file, FINAL chunk and index checked).
   */
  unfinished?: boolean;
}

function isUnfinishedName(path: string): boolean {
  return /\.(partial|journal)$/.test(path);
}

async function keyringOf(keys: RecordingKeys): Promise<Keyring> {
  return typeof keys === "string" ? await dataDirKeyring(keys) : keys;
}

/**
 * The plaintext of the recording or journal file `path`: decrypted when sealed (with the
 * KEKs of `keys`), else its bytes. A sealed file that fails its authentication throws the
 * reader's IntegrityError.
 */
export async function recordingPlaintext(
  path: string,
  keys: RecordingKeys,
  options: PlaintextOptions = {},
): Promise<Uint8Array> {
  if (!await fileIsSealed(path)) return await Deno.readFile(path);
  const keyring = await keyringOf(keys);
  if (options.unfinished ?? isUnfinishedName(path)) {
    using r = await openSealedFile(path, keyring.unwrapFor(path), { unfinished: true });
    return await r.readRange(0, r.plaintextSize);
  }
  const parts: Uint8Array[] = [];
  for await (const pt of readSealedChunks(path, keyring.unwrapFor(path))) parts.push(pt);
  return concat(parts);
}

/** A file a CLI tool (opusinfo, opusdec, sox, ffprobe) can read; dispose to clean up. */
export interface PlaintextFile extends AsyncDisposable {
  /** The recording itself when plain, else a temp copy of its plaintext. */
  path: string;
  /** True when `path` is a decrypted temp copy. */
  decrypted: boolean;
}

/**
 * {@link recordingPlaintext} as a file for tools that take a path: a plain recording is
 * handed over as it is; a sealed one is decrypted into a temp file of the same name less
 * any `.partial` (tools such as sox go by the extension), removed on dispose.
 */
export async function plaintextFile(
  path: string,
  keys: RecordingKeys,
  options: PlaintextOptions = {},
): Promise<PlaintextFile> {
  if (!await fileIsSealed(path)) {
    return { path, decrypted: false, [Symbol.asyncDispose]: () => Promise.resolve() };
  }
  const bytes = await recordingPlaintext(path, keys, options);
  const dir = await Deno.makeTempDir({ prefix: "selrec-plain-" });
  const out = join(dir, basename(path).replace(/\.partial$/, ""));
  await Deno.writeFile(out, bytes);
  return {
    path: out,
    decrypted: true,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
