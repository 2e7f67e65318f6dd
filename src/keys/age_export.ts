/**
 * Encrypted export for a third party, in the age format (https://age-encryption.org/v1,
 * C2SP age spec): the recording's bytes encrypted to one or more age recipients
 * (`age1…` X25519 public keys, or `age1pq1…` hybrid ones) or to a passphrase (scrypt).
 * The file key is random per export and lives only in the age header, wrapped for the
 * recipients, so the file is self-contained: `age -d -i key.txt rec.ogg.age > rec.ogg`
 * (or `age -d rec.ogg.age` for a passphrase) with the standard age CLI or any age
 * implementation opens it. The payload is age's STREAM of ChaCha20-Poly1305 64 KiB chunks.
 *
 * Encryption is the npm `age-encryption` library (pinned in deno.json). Its scrypt runs
 * in JavaScript on the calling thread (seconds at the spec's work factor), so the
 * passphrase stanza is made here with node:crypto's native scrypt, which runs off the
 * event loop, and the stanza is exactly the spec's: `-> scrypt <salt> <log2 N>` over
 * ChaCha20-Poly1305(scrypt(passphrase, "age-encryption.org/v1/scrypt" ‖ salt), file key).
 *
 * @module
 */
import { createCipheriv, scrypt } from "node:crypto";
import { Encrypter, type Recipient, Stanza } from "age-encryption";

/** The scrypt work factor (log2 N) of passphrase exports: age's own default. */
export const PASSPHRASE_LOG_N = 18;
/** Shortest passphrase accepted. */
export const MIN_PASSPHRASE = 12;
const RECIPIENT_RE = /^age1[a-z0-9]{20,2000}$/;

/** Whom an export is for: age recipients, or one passphrase. */
export type AgeTarget = { recipients: string[] } | { passphrase: string };

/** What is wrong with `t` (naming the field), or null. */
export function ageTargetProblem(t: AgeTarget): string | null {
  if ("passphrase" in t) {
    return t.passphrase.length < MIN_PASSPHRASE
      ? `passphrase: must be at least ${MIN_PASSPHRASE} characters`
      : null;
  }
  if (t.recipients.length === 0) return "age recipient: none given";
  const bad = t.recipients.find((r) => !RECIPIENT_RE.test(r));
  return bad === undefined
    ? null
    : `age recipient: "${bad.slice(0, 80)}" is not an age1… public key`;
}

function base64NoPad(b: Uint8Array): string {
  return btoa(String.fromCharCode(...b)).replace(/=+$/, "");
}

/** age's scrypt recipient, with node:crypto's native (off-loop) scrypt. */
class NativeScryptRecipient implements Recipient {
  #passphrase: string;
  #logN: number;

  constructor(passphrase: string, logN: number) {
    this.#passphrase = passphrase;
    this.#logN = logN;
  }

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const label = new TextEncoder().encode("age-encryption.org/v1/scrypt");
    const N = 2 ** this.#logN;
    const key = await new Promise<Uint8Array>((resolve, reject) =>
      scrypt(
        new TextEncoder().encode(this.#passphrase),
        new Uint8Array([...label, ...salt]),
        32,
        { N, r: 8, p: 1, maxmem: 256 * N * 8 + (1 << 20) },
        (err, k) => err ? reject(err) : resolve(new Uint8Array(k)),
      )
    );
    const c = createCipheriv("chacha20-poly1305", key, new Uint8Array(12), { authTagLength: 16 });
    const body = new Uint8Array([...c.update(fileKey), ...c.final(), ...c.getAuthTag()]);
    return [new Stanza(["scrypt", base64NoPad(salt), String(this.#logN)], body)];
  }
}

function encrypterFor(t: AgeTarget, logN: number): Encrypter {
  const problem = ageTargetProblem(t);
  if (problem) throw new RangeError(problem);
  const e = new Encrypter();
  if ("passphrase" in t) e.addRecipient(new NativeScryptRecipient(t.passphrase, logN));
  else {
    for (const r of t.recipients) {
      try {
        e.addRecipient(r);
      } catch (err) {
        throw new RangeError(`age recipient: "${r.slice(0, 80)}" is invalid (${err})`);
      }
    }
  }
  return e;
}

/**
 * The age file of `input`, as a stream (constant memory). RangeError names a bad
 * recipient or passphrase. `logN` is for tests; exports use {@link PASSPHRASE_LOG_N}.
 */
export async function ageEncryptStream(
  input: ReadableStream<Uint8Array>,
  t: AgeTarget,
  logN = PASSPHRASE_LOG_N,
): Promise<ReadableStream<Uint8Array>> {
  return await encrypterFor(t, logN).encrypt(input);
}

/** The age file of `bytes`. */
export async function ageEncryptBytes(
  bytes: Uint8Array,
  t: AgeTarget,
  logN = PASSPHRASE_LOG_N,
): Promise<Uint8Array> {
  return await encrypterFor(t, logN).encrypt(bytes);
}
