/**
 * AES-256-GCM on sealed chunks, behind one small interface with two implementations:
 * OpenSSL's libcrypto through FFI (gcm_openssl.ts, the fast one) and node:crypto (always
 * there). {@link defaultGcm} picks libcrypto when this process may load it and it agrees
 * with node:crypto on a known input, else node:crypto. Both give the same bytes.
 *
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { loadOpenSslGcm } from "./gcm_openssl.ts";

/** AES-256-GCM with a 96-bit nonce and a 128-bit tag, into the caller's buffers. */
export interface Gcm {
  /** Names the implementation (benchmarks, logs). */
  readonly name: string;
  /** Encrypts `pt` into `out` (same length) and writes the 16-byte tag into `tag`. */
  seal(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    pt: Uint8Array,
    out: Uint8Array,
    tag: Uint8Array,
  ): void;
  /**
   * Decrypts `ct` into `out` (same length) when `tag` verifies and returns true; returns
   * false, with `out` holding no plaintext, when it does not.
   */
  open(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    ct: Uint8Array,
    tag: Uint8Array,
    out: Uint8Array,
  ): boolean;
}

/** AES-256-GCM by node:crypto (one cipher object per call). */
export const nodeGcm: Gcm = {
  name: "node:crypto",
  seal(key, iv, aad, pt, out, tag) {
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(aad);
    out.set(c.update(pt));
    c.final();
    tag.set(c.getAuthTag());
  },
  open(key, iv, aad, ct, tag, out) {
    const d = createDecipheriv("aes-256-gcm", key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const plaintext = d.update(ct);
    try {
      d.final();
    } catch {
      return false;
    }
    out.set(plaintext);
    return true;
  },
};

// Chosen when the module loads, so the library is open before any test's resource
// sanitizer starts counting, and once per process (each worker has its own).
const chosen: Gcm = loadOpenSslGcm(nodeGcm) ?? nodeGcm;

/** libcrypto's GCM when usable in this process, else {@link nodeGcm}. */
export function defaultGcm(): Gcm {
  return chosen;
}
