/**
 * Where KEKs live (the I/O half of src/seal/keyring.ts): 0600 files `<keyDir>/<id>.key`
 * (one line, the 32-byte key in base64), or an external command (a KMS/HSM hook) that
 * is given the key id as its last argument and prints the key (base64 or hex).
 *
 * With files, the current KEK is the one whose id sorts last: ids are
 * `kek-<UTC time>-<random>`, so the newest (a rotation adds one) is current, and making
 * a key is one atomic step (a file renamed into place), with no pointer to lose.
 *
 * @module
 */
import { join } from "node:path";
import { isKeyId, type KekSource, KeyUnavailableError } from "../seal/keyring.ts";

const KEK_FILE_RE = /^(kek-[A-Za-z0-9._-]{1,28})\.key$/;

/** The file of a KEK id. */
export function kekPath(keyDir: string, keyId: string): string {
  return join(keyDir, `${keyId}.key`);
}

/** KEK ids with a file in `keyDir`, sorted (the last is current); [] when there is no dir. */
export async function listKekIds(keyDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const e of Deno.readDir(keyDir)) {
      const m = e.isFile ? KEK_FILE_RE.exec(e.name) : null;
      if (m) ids.push(m[1]);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return ids.sort();
}

/** Parses a printed key: 32 bytes in base64 or hex (surrounding white space ignored). */
export function parseKeyText(text: string): Uint8Array | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    return Uint8Array.from(t.match(/../g)!, (h) => parseInt(h, 16));
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(t)) return null;
  const bin = atob(t);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Reads a KEK file; a missing or malformed file is a {@link KeyUnavailableError} naming it. */
export async function readKekFile(keyDir: string, keyId: string): Promise<Uint8Array> {
  const path = kekPath(keyDir, keyId);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "is missing" : `cannot be read (${err})`;
    throw new KeyUnavailableError(keyId, `key file ${path} ${why}`);
  }
  const key = parseKeyText(text);
  if (!key) throw new KeyUnavailableError(keyId, `key file ${path} does not hold a 32-byte key`);
  return key;
}

/** A new KEK id: `kek-<UTC yyyymmddThhmmssZ>-<8 hex>`. */
export function newKekId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const rand = Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `kek-${stamp}-${rand}`;
}

/**
 * Creates a new random KEK file (0600, directory 0700) atomically: written to a temp
 * name, fsynced, renamed into place, directory fsynced. Returns its id.
 */
export async function createKekFile(keyDir: string, now = new Date()): Promise<string> {
  await Deno.mkdir(keyDir, { recursive: true, mode: 0o700 });
  const id = newKekId(now);
  const key = crypto.getRandomValues(new Uint8Array(32));
  const tmp = join(keyDir, `.${id}.tmp`);
  {
    using f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    await f.write(new TextEncoder().encode(btoa(String.fromCharCode(...key)) + "\n"));
    await f.sync();
  }
  await Deno.chmod(tmp, 0o600);
  await Deno.rename(tmp, kekPath(keyDir, id));
  using dir = await Deno.open(keyDir, { read: true });
  await dir.sync();
  return id;
}

/**
 * KEKs from files in `keyDir`, current = the id that sorts last; a file added later that
 * sorts after the current id (a rotation's new KEK) is offered by `newerKeyId`.
 */
export function fileKekSource(keyDir: string, currentKeyId: string): KekSource {
  return {
    currentKeyId,
    load: (id) => readKekFile(keyDir, id),
    async newerKeyId(current) {
      const last = (await listKekIds(keyDir)).at(-1);
      return last !== undefined && last > current ? last : null;
    },
  };
}

/**
 * KEKs from an external command: `argv` plus the key id as last argument; it must exit 0
 * and print the 32-byte key (base64 or hex). Its stderr (never its stdout) goes into the
 * error when it refuses. `recorded` reads the KEK id a rotation made current (kept in the
 * database, open_keyring.ts): when it differs from the current one, it is offered by
 * `newerKeyId`, so a running box follows `selrec keys rotate --key-id` without a restart.
 */
export function commandKekSource(
  argv: string[],
  currentKeyId: string,
  recorded?: () => Promise<string | null>,
): KekSource {
  return {
    currentKeyId,
    async newerKeyId(current) {
      const id = await recorded?.();
      return id && id !== current ? id : null;
    },
    async load(id) {
      if (!isKeyId(id)) throw new KeyUnavailableError(id, "not a valid key id");
      let out: Deno.CommandOutput;
      try {
        out = await new Deno.Command(argv[0], {
          args: [...argv.slice(1), id],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
      } catch (err) {
        throw new KeyUnavailableError(id, `keyCommand ${argv[0]} cannot run (${err})`);
      }
      const stderr = new TextDecoder().decode(out.stderr).trim().slice(0, 300);
      if (!out.success) {
        throw new KeyUnavailableError(id, `keyCommand ${argv[0]} exited ${out.code}: ${stderr}`);
      }
      const key = parseKeyText(new TextDecoder().decode(out.stdout));
      if (!key) {
        throw new KeyUnavailableError(id, `keyCommand ${argv[0]} did not print a 32-byte key`);
      }
      return key;
    },
  };
}
