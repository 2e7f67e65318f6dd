/**
 * The key hierarchy, without I/O: key-encryption keys (KEKs, 256-bit, from 0600 key
 * files or an external command, see src/keys) wrap per-recording data keys.
 *
 * A wrapped data key is 60 bytes: a random 12-byte GCM nonce, the 32-byte data key
 * encrypted with AES-256-GCM under the KEK, and the 16-byte tag; the AAD is the label
 * "selrec data key v1" and the KEK's id, so a slot moved under another id fails to
 * unwrap. Unwrapping failures are {@link IntegrityError}s naming the file.
 *
 * KEKs are fetched through `load` once per id and kept in memory only (for a KMS hook,
 * that is "called rarely"). Rotation (`rewrap`) changes only the 60-byte slot in the
 * file header; the audio chunks are not touched.
 *
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { IntegrityError } from "./integrity_error.ts";
import {
  MAX_KEY_ID_BYTES,
  type SealHeader,
  type SealKey,
  WRAPPED_KEY_BYTES,
} from "./sealed_header.ts";
import type { Unwrap } from "./sealed_reader.ts";

/** A KEK (or a data key's KEK) cannot be had: its file is gone, or the hook refused. */
export class KeyUnavailableError extends Error {
  override readonly name = "KeyUnavailableError";
  constructor(readonly keyId: string, readonly detail: string) {
    super(`Key "${keyId}" is unavailable: ${detail}`);
  }
}

const LABEL = new TextEncoder().encode("selrec data key v1\0");
const KEY_ID_RE = /^[A-Za-z0-9._-]{1,32}$/;

/** True for a key id the header and key files accept (1–32 of `A-Za-z0-9._-`). */
export function isKeyId(id: string): boolean {
  return KEY_ID_RE.test(id) && id.length <= MAX_KEY_ID_BYTES;
}

function aad(keyId: string): Uint8Array {
  return new Uint8Array([...LABEL, ...new TextEncoder().encode(keyId)]);
}

/** Wraps a 32-byte data key under `kek` (AES-256-GCM, AAD = label ‖ key id). */
export function wrapDataKey(kek: Uint8Array, keyId: string, dataKey: Uint8Array): Uint8Array {
  if (kek.length !== 32 || dataKey.length !== 32) throw new RangeError("Keys must be 32 bytes");
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const c = createCipheriv("aes-256-gcm", kek, nonce);
  c.setAAD(aad(keyId));
  const out = new Uint8Array(WRAPPED_KEY_BYTES);
  out.set(nonce, 0);
  out.set(c.update(dataKey), 12);
  c.final();
  out.set(c.getAuthTag(), 44);
  return out;
}

/** Unwraps a data key; a slot that does not open under `kek` is an IntegrityError. */
export function unwrapDataKey(
  kek: Uint8Array,
  keyId: string,
  wrapped: Uint8Array,
  path: string,
): Uint8Array {
  if (wrapped.length !== WRAPPED_KEY_BYTES) {
    throw new IntegrityError(path, "wrapped data key has the wrong length");
  }
  const d = createDecipheriv("aes-256-gcm", kek, wrapped.subarray(0, 12));
  d.setAAD(aad(keyId));
  d.setAuthTag(wrapped.subarray(44));
  const key = new Uint8Array(d.update(wrapped.subarray(12, 44)));
  try {
    d.final();
  } catch {
    throw new IntegrityError(path, `data key does not unwrap under key "${keyId}"`);
  }
  return key;
}

/** Where KEKs come from: the current id and a loader (file or hook; src/keys). */
export interface KekSource {
  /** The KEK new recordings are wrapped under (at start). */
  currentKeyId: string;
  /** The 32-byte KEK of `keyId`; throws {@link KeyUnavailableError}. */
  load(keyId: string): Promise<Uint8Array>;
  /**
   * The id of a KEK made since that should now be current (a rotation), or null when
   * `current` still is; absent when the source cannot change (a key command).
   */
  newerKeyId?(current: string): Promise<string | null>;
}

/** Data keys for new recordings, and unwrapping for every reader. */
export class Keyring {
  #source: KekSource;
  #keks = new Map<string, Promise<Uint8Array>>();
  #loaded = new Map<string, Uint8Array>();
  #current: string;

  constructor(source: KekSource) {
    this.#source = source;
    this.#current = source.currentKeyId;
  }

  /** The KEK id new data keys are wrapped under. */
  get currentKeyId(): string {
    return this.#current;
  }

  /**
   * Asks the source whether a newer KEK is there (`selrec keys rotate` made one) and, if
   * so, loads it and only then makes it current, so {@link newDataKeySync} never meets an
   * unloaded current key. Returns the new current id, or null when nothing changed; a
   * new KEK that cannot be loaded leaves the current one and throws.
   */
  async refresh(): Promise<string | null> {
    const next = await this.#source.newerKeyId?.(this.#current);
    if (!next || next === this.#current) return null;
    await this.kek(next);
    this.#current = next;
    return next;
  }

  /** The KEK of `keyId`, loaded once and cached in memory. */
  kek(keyId: string): Promise<Uint8Array> {
    let k = this.#keks.get(keyId);
    if (!k) {
      k = this.#source.load(keyId);
      this.#keks.set(keyId, k);
      k.then((kek) => this.#loaded.set(keyId, kek), () => {});
      // A refusal is not cached: the operator may fix the hook or restore the file.
      k.catch(() => this.#keks.delete(keyId));
    }
    return k;
  }

  /** A fresh random data key, wrapped under the current KEK. */
  async newDataKey(): Promise<SealKey> {
    const keyId = this.currentKeyId;
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    return { keyId, dataKey, wrappedKey: wrapDataKey(await this.kek(keyId), keyId, dataKey) };
  }

  /**
   * {@link newDataKey} without waiting, for the call path: the current KEK must have been
   * loaded (the start-up check loads it); else {@link KeyUnavailableError}.
   */
  newDataKeySync(): SealKey {
    const keyId = this.currentKeyId;
    const kek = this.#loaded.get(keyId);
    if (!kek) throw new KeyUnavailableError(keyId, "not loaded yet");
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    return { keyId, dataKey, wrappedKey: wrapDataKey(kek, keyId, dataKey) };
  }

  /** The data key of a file's header (`path` names it in errors). */
  async unwrap(slot: Pick<SealHeader, "keyId" | "wrappedKey">, path: string): Promise<Uint8Array> {
    return unwrapDataKey(await this.kek(slot.keyId), slot.keyId, slot.wrappedKey, path);
  }

  /** An {@link Unwrap} for the readers of `path`. */
  unwrapFor(path: string): Unwrap {
    return (header) => this.unwrap(header, path);
  }

  /** Key rotation: the same data key wrapped under `toKeyId` (default: the current KEK). */
  async rewrap(
    slot: Pick<SealHeader, "keyId" | "wrappedKey">,
    path: string,
    toKeyId = this.currentKeyId,
  ): Promise<{ keyId: string; wrappedKey: Uint8Array }> {
    const dataKey = await this.unwrap(slot, path);
    return { keyId: toKeyId, wrappedKey: wrapDataKey(await this.kek(toKeyId), toKeyId, dataKey) };
  }
}
