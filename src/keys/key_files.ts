/**
 * File steps shared by the key-management commands: the header of a sealed file, its key
 * slot rewritten in place (rotation), a whole-file check of every chunk, a streamed
 * SHA-256, and the test hook that pauses a run at a step so crash tests can kill it there.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  FIXED_HEADER_BYTES,
  HEADER_BYTES,
  isSealed,
  parseHeader,
  type SealHeader,
} from "../seal/sealed_format.ts";
import { readSealedChunks, type Unwrap } from "../seal/sealed_reader.ts";
import { IntegrityError } from "../seal/integrity_error.ts";

/** Bytes of the key slot (key id and wrapped data key) after the fixed header. */
export const KEY_SLOT_BYTES = HEADER_BYTES - FIXED_HEADER_BYTES;

async function readFully(file: Deno.FsFile, out: Uint8Array): Promise<number> {
  let n = 0;
  while (n < out.length) {
    const r = await file.read(out.subarray(n));
    if (r === null) break;
    n += r;
  }
  return n;
}

/** The first {@link HEADER_BYTES} of `path` (fewer when the file is shorter). */
export async function readHead(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const head = new Uint8Array(HEADER_BYTES);
  return head.subarray(0, await readFully(file, head));
}

/** The key slot of a head read by {@link readHead}. */
export function slotOf(head: Uint8Array): Uint8Array {
  return head.slice(FIXED_HEADER_BYTES, HEADER_BYTES);
}

/** True when two byte arrays are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Writes `slot` (104 bytes) over the key slot of sealed file `path` in place and fsyncs.
 * Unlike a parse-first write, it accepts a torn slot (a crash mid-write): only the fixed
 * header must be one selrec wrote, and the header with the new slot must parse.
 */
export async function writeSlot(path: string, slot: Uint8Array): Promise<SealHeader> {
  if (slot.length !== KEY_SLOT_BYTES) throw new RangeError(`Key slot must be ${KEY_SLOT_BYTES}`);
  using file = await Deno.open(path, { read: true, write: true });
  const head = new Uint8Array(HEADER_BYTES);
  const n = await readFully(file, head);
  if (n < HEADER_BYTES || !isSealed(head)) {
    throw new IntegrityError(path, "not a sealed file (its header is missing)");
  }
  head.set(slot, FIXED_HEADER_BYTES);
  const header = parseHeader(head, path);
  await file.seek(FIXED_HEADER_BYTES, Deno.SeekMode.Start);
  for (let o = 0; o < slot.length;) o += await file.write(slot.subarray(o));
  await file.sync();
  return header;
}

/** Opens every chunk of sealed file `path` (IntegrityError at the first fault); plaintext bytes. */
export async function verifySealed(path: string, unwrap: Unwrap): Promise<number> {
  let bytes = 0;
  for await (const pt of readSealedChunks(path, unwrap)) bytes += pt.length;
  return bytes;
}

/** The SHA-256 (hex) of sealed file `path`'s plaintext, every chunk authenticated. */
export async function sealedPlaintextSha256(path: string, unwrap: Unwrap): Promise<string> {
  const hash = createHash("sha256");
  for await (const pt of readSealedChunks(path, unwrap)) hash.update(pt);
  return hash.digest("hex");
}

/** SHA-256 (hex) and size of the bytes of `path`, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * SHA-256 (hex) of sealed file `path` as it will be once its key slot holds `slot`, so the
 * row's digest can change right after the slot does (readers compare the two).
 */
export async function hashWithSlot(path: string, slot: Uint8Array): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 16);
  let at = 0;
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    const part = buf.subarray(0, n);
    for (let i = Math.max(at, FIXED_HEADER_BYTES); i < Math.min(at + n, HEADER_BYTES); i++) {
      part[i - at] = slot[i - FIXED_HEADER_BYTES];
    }
    hash.update(part);
    at += n;
  }
  return hash.digest("hex");
}

/** Removes `path` if it is there (true when it was). */
export async function removeIfThere(path: string): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** fsyncs directory `dir` (a rename or removal in it is then durable). */
export async function syncDir(dir: string): Promise<void> {
  using d = await Deno.open(dir, { read: true });
  await d.sync();
}

/**
 * A crash-test hook (`SELREC_KEYS_HOOK=step:n:file`): the n-th time a run reaches `step`
 * it creates `file` and waits until the file is removed; the test kills it meanwhile.
 */
export class StepPause {
  #step: string;
  #n: number;
  #file: string;
  #seen = 0;

  private constructor(step: string, n: number, file: string) {
    this.#step = step;
    this.#n = n;
    this.#file = file;
  }

  /** Parses `step:n:file`; null for empty or malformed text. */
  static parse(text: string | undefined): StepPause | null {
    const m = text ? /^([a-z-]+):(\d+):(.+)$/.exec(text) : null;
    return m ? new StepPause(m[1], Number(m[2]), m[3]) : null;
  }

  /** Pauses when this is the hook's step for the n-th time. */
  async at(step: string): Promise<void> {
    if (step !== this.#step || ++this.#seen !== this.#n) return;
    await Deno.writeTextFile(this.#file, step);
    for (;;) {
      try {
        await Deno.stat(this.#file);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
