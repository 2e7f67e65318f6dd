/**
 * The one adapter to OpenSSL's libcrypto (Debian `libssl3`, `libcrypto.so.3`) through Deno
 * FFI, for AES-256-GCM (NIST SP 800-38D) on sealed chunks. OpenSSL's GCM uses AES-NI and
 * carry-less multiply; measured on this box's 2-core EPYC it opens 64 KiB chunks about
 * 20 times faster than node:crypto in Deno, which is what lets one core decrypt a sealed
 * file at well over 200 MiB/s. Each call is a few synchronous FFI calls on the caller's
 * buffers: no promise, and the output is written where the caller wants it.
 *
 * One EVP_CIPHER_CTX per direction per JS thread (module instance), set up with the key
 * for each chunk and reset after it, so no key schedule stays in native memory between
 * calls and no context needs freeing. A chunk whose tag does not verify leaves `out`
 * zeroed: OpenSSL writes plaintext before EVP_DecryptFinal_ex checks the tag.
 *
 * @module
 */
import type { Gcm } from "./gcm.ts";

/** The shared object's soname (Debian package libssl3). */
export const LIBCRYPTO_SONAME = "libcrypto.so.3";

/** EVP_CTRL_AEAD_GET_TAG / EVP_CTRL_AEAD_SET_TAG (openssl/evp.h). */
const CTRL_GET_TAG = 0x10;
const CTRL_SET_TAG = 0x11;
const TAG_BYTES = 16;

/**
 * OPENSSL_INIT_NO_ATEXIT (openssl/crypto.h): OpenSSL's atexit OPENSSL_cleanup() frees its
 * global state while other threads may still use it (a heap corruption at exit,
 * openssl/openssl#6214). Only the first OPENSSL_init_crypto() in a process decides, so this
 * is the first call here, as in src/rtp/libcrypto.ts.
 */
const OPENSSL_INIT_NO_ATEXIT = 0x00080000n;

const SYMBOLS = {
  OPENSSL_init_crypto: { parameters: ["u64", "pointer"], result: "i32" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_reset: { parameters: ["pointer"], result: "i32" },
  EVP_CIPHER_CTX_ctrl: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  EVP_aes_256_gcm: { parameters: [], result: "pointer" },
  EVP_EncryptInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_EncryptUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_EncryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  EVP_DecryptInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_DecryptUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_DecryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  OpenSSL_version: { parameters: ["i32"], result: "pointer" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** AES-256-GCM by libcrypto; build with {@link loadOpenSslGcm}. */
class OpenSslGcm implements Gcm {
  readonly name: string;
  #lib: Lib;
  #cipher: Deno.PointerValue;
  #enc: Deno.PointerValue;
  #dec: Deno.PointerValue;
  // Output length cell and a scratch for the Final calls (GCM writes nothing there).
  #outl = new Uint8Array(4);
  #scratch = new Uint8Array(TAG_BYTES);

  constructor(lib: Lib) {
    this.#lib = lib;
    this.#cipher = lib.EVP_aes_256_gcm();
    this.#enc = lib.EVP_CIPHER_CTX_new();
    this.#dec = lib.EVP_CIPHER_CTX_new();
    if (this.#cipher === null || this.#enc === null || this.#dec === null) {
      throw new Error(`${LIBCRYPTO_SONAME}: cannot make an AES-256-GCM context`);
    }
    const version = lib.OpenSSL_version(0);
    this.name = version === null ? "openssl" : new Deno.UnsafePointerView(version).getCString();
  }

  seal(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    pt: Uint8Array,
    out: Uint8Array,
    tag: Uint8Array,
  ): void {
    const l = this.#lib, ctx = this.#enc, outl = this.#outl;
    try {
      const ok = l.EVP_EncryptInit_ex(ctx, this.#cipher, null, key, iv) === 1 &&
        l.EVP_EncryptUpdate(ctx, null, outl, aad, aad.length) === 1 &&
        (pt.length === 0 || l.EVP_EncryptUpdate(ctx, out, outl, pt, pt.length) === 1) &&
        l.EVP_EncryptFinal_ex(ctx, this.#scratch, outl) === 1 &&
        l.EVP_CIPHER_CTX_ctrl(ctx, CTRL_GET_TAG, TAG_BYTES, tag) === 1;
      if (!ok) throw new Error(`${LIBCRYPTO_SONAME}: AES-256-GCM encryption failed`);
    } finally {
      l.EVP_CIPHER_CTX_reset(ctx);
    }
  }

  open(
    key: Uint8Array,
    iv: Uint8Array,
    aad: Uint8Array,
    ct: Uint8Array,
    tag: Uint8Array,
    out: Uint8Array,
  ): boolean {
    const l = this.#lib, ctx = this.#dec, outl = this.#outl;
    try {
      const ok = l.EVP_DecryptInit_ex(ctx, this.#cipher, null, key, iv) === 1 &&
        l.EVP_DecryptUpdate(ctx, null, outl, aad, aad.length) === 1 &&
        (ct.length === 0 || l.EVP_DecryptUpdate(ctx, out, outl, ct, ct.length) === 1) &&
        l.EVP_CIPHER_CTX_ctrl(ctx, CTRL_SET_TAG, TAG_BYTES, tag) === 1 &&
        l.EVP_DecryptFinal_ex(ctx, this.#scratch, outl) === 1;
      if (!ok) out.fill(0);
      return ok;
    } finally {
      l.EVP_CIPHER_CTX_reset(ctx);
    }
  }
}

/**
 * libcrypto's AES-256-GCM, or null when it cannot be used here: FFI not granted, the
 * library missing, or its output differing from `reference` on a known input (a wrong
 * library behind the soname). Never prompts for the FFI permission.
 */
export function loadOpenSslGcm(reference: Gcm): Gcm | null {
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
    const lib = Deno.dlopen(LIBCRYPTO_SONAME, SYMBOLS).symbols;
    if (lib.OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, null) !== 1) return null;
    const gcm = new OpenSslGcm(lib);
    return agrees(gcm, reference) ? gcm : null;
  } catch {
    return null;
  }
}

/** Seals and opens one known input with both; true when they give the same bytes. */
function agrees(gcm: Gcm, reference: Gcm): boolean {
  const key = new Uint8Array(32).map((_, i) => i), iv = new Uint8Array(12).fill(7);
  const aad = new Uint8Array(32).fill(3), pt = new Uint8Array(37).map((_, i) => i * 5);
  const out = [new Uint8Array(37), new Uint8Array(37)];
  const tag = [new Uint8Array(TAG_BYTES), new Uint8Array(TAG_BYTES)];
  gcm.seal(key, iv, aad, pt, out[0], tag[0]);
  reference.seal(key, iv, aad, pt, out[1], tag[1]);
  const same = (a: Uint8Array, b: Uint8Array) => a.every((x, i) => x === b[i]);
  const back = new Uint8Array(37);
  tag[0][0] ^= 1;
  const forgedOpens = gcm.open(key, iv, aad, out[0], tag[0], back);
  tag[0][0] ^= 1;
  return same(out[0], out[1]) && same(tag[0], tag[1]) && !forgedOpens &&
    gcm.open(key, iv, aad, out[0], tag[0], back) && same(back, pt);
}
