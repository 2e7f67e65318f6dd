/**
 * AES-128 blocks and HMAC-SHA1 by OpenSSL's libcrypto (`libcrypto.so.3`, Debian `libssl3`)
 * through Deno FFI, for the SRTP AES-CM suites (RFC 3711 §4.1.1, §4.2). OpenSSL uses
 * AES-NI and the SHA extensions where the CPU has them: constant-time AES, unlike the
 * table lookups of aes128.ts, and per packet about 2.5 times cheaper than aes128.ts and
 * sha1.ts together (`scripts/bench_srtp_packet.ts`).
 *
 * One context per key, set up once: AES-128-ECB without padding, and HMAC-SHA1 whose
 * padded key states OpenSSL keeps. Per packet the caller writes its AES-CM counter
 * blocks into {@link AES_CTR_IN} and one synchronous FFI call encrypts them into
 * {@link AES_CTR_OUT}; a tag is four calls on the caller's buffer. No promise, no
 * allocation. Contexts hold key material in native memory until `free()` (OpenSSL
 * cleanses it); a finalizer frees contexts dropped without it.
 *
 * {@link openSslAes128} and {@link openSslHmacSha1} return null when this thread may not
 * load libcrypto (no FFI permission, no libssl3) or it fails the FIPS-197 and RFC 2202
 * known answers: callers then use aes128.ts and sha1.ts, with the same bytes.
 *
 * @module
 */

/** The shared object's soname (Debian package libssl3). */
const LIBCRYPTO_SONAME = "libcrypto.so.3";

/**
 * OPENSSL_INIT_NO_ATEXIT (openssl/crypto.h): no OPENSSL_cleanup() from an atexit handler.
 * That handler frees OpenSSL's global state on the exiting thread while other threads
 * (Deno workers, the test runner's module thread) may still be using it or running their
 * OpenSSL thread-exit handlers: a heap corruption at exit, seen here as "malloc_consolidate():
 * invalid chunk size" (openssl/openssl#6214). The process's memory goes with the process.
 * Only the first OPENSSL_init_crypto() in a process decides, so every loader of libcrypto
 * in the box makes this its first call (src/seal/gcm_openssl.ts too).
 */
const OPENSSL_INIT_NO_ATEXIT = 0x00080000n;

const SYMBOLS = {
  OPENSSL_init_crypto: { parameters: ["u64", "pointer"], result: "i32" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_CIPHER_CTX_set_padding: { parameters: ["pointer", "i32"], result: "i32" },
  EVP_aes_128_ecb: { parameters: [], result: "pointer" },
  EVP_EncryptInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_EncryptUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_sha1: { parameters: [], result: "pointer" },
  HMAC_CTX_new: { parameters: [], result: "pointer" },
  HMAC_CTX_free: { parameters: ["pointer"], result: "void" },
  HMAC_Init_ex: { parameters: ["pointer", "buffer", "i32", "pointer", "pointer"], result: "i32" },
  HMAC_Update: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  HMAC_Final: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  OpenSSL_version: { parameters: ["i32"], result: "pointer" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Most bytes one call encrypts: a datagram of up to 2,048 bytes, in whole blocks. */
export const AES_CTR_MAX_BYTES = 2048 + 16;
/** Counter blocks in, per thread: the caller fills them before {@link OpenSslAes128.encrypt}. */
export const AES_CTR_IN = new Uint8Array(AES_CTR_MAX_BYTES);
/** Keystream out, per thread: valid until the next call. */
export const AES_CTR_OUT = new Uint8Array(AES_CTR_MAX_BYTES);
const OUTL = new Uint8Array(4);
const SUFFIX = new Uint8Array(4);

const freeLater = new FinalizationRegistry<() => void>((free) => free());

/** One AES-128 key in an OpenSSL context. */
export class OpenSslAes128 {
  #lib: Lib;
  #ctx: Deno.PointerValue;
  #token = {};

  constructor(lib: Lib, cipher: Deno.PointerValue, key: Uint8Array) {
    if (key.length !== 16) throw new RangeError(`AES-128 key is ${key.length} bytes, not 16`);
    const ctx = lib.EVP_CIPHER_CTX_new();
    if (ctx === null) throw new Error(`${LIBCRYPTO_SONAME}: cannot make a cipher context`);
    if (
      lib.EVP_EncryptInit_ex(ctx, cipher, null, key as Uint8Array<ArrayBuffer>, null) !== 1 ||
      lib.EVP_CIPHER_CTX_set_padding(ctx, 0) !== 1
    ) {
      lib.EVP_CIPHER_CTX_free(ctx);
      throw new Error(`${LIBCRYPTO_SONAME}: cannot key AES-128-ECB`);
    }
    this.#lib = lib;
    this.#ctx = ctx;
    freeLater.register(this, () => lib.EVP_CIPHER_CTX_free(ctx), this.#token);
  }

  /**
   * Encrypts the first `bytes` (a multiple of 16) of {@link AES_CTR_IN} into
   * {@link AES_CTR_OUT}. False when the context was freed or OpenSSL refused.
   */
  encrypt(bytes: number): boolean {
    if (this.#ctx === null) return false;
    return this.#lib.EVP_EncryptUpdate(this.#ctx, AES_CTR_OUT, OUTL, AES_CTR_IN, bytes) === 1;
  }

  /** Frees the context; OpenSSL cleanses the key schedule. */
  free(): void {
    if (this.#ctx === null) return;
    freeLater.unregister(this.#token);
    this.#lib.EVP_CIPHER_CTX_free(this.#ctx);
    this.#ctx = null;
  }
}

/** One HMAC-SHA1 key in an OpenSSL context. */
export class OpenSslHmacSha1 {
  #lib: Lib;
  #ctx: Deno.PointerValue;
  #token = {};

  constructor(lib: Lib, md: Deno.PointerValue, key: Uint8Array) {
    const ctx = lib.HMAC_CTX_new();
    if (ctx === null) throw new Error(`${LIBCRYPTO_SONAME}: cannot make an HMAC context`);
    if (lib.HMAC_Init_ex(ctx, key as Uint8Array<ArrayBuffer>, key.length, md, null) !== 1) {
      lib.HMAC_CTX_free(ctx);
      throw new Error(`${LIBCRYPTO_SONAME}: cannot key HMAC-SHA1`);
    }
    this.#lib = lib;
    this.#ctx = ctx;
    freeLater.register(this, () => lib.HMAC_CTX_free(ctx), this.#token);
  }

  /**
   * HMAC of `bytes[0..len)` followed by `suffix` as 4 big-endian bytes (SRTP's ROC), the
   * 20 bytes into `out`. False when the context was freed or OpenSSL refused.
   */
  signWithSuffix(bytes: Uint8Array, len: number, suffix: number, out: Uint8Array): boolean {
    const lib = this.#lib, ctx = this.#ctx;
    if (ctx === null || out.length < 20) return false;
    SUFFIX[0] = suffix >>> 24, SUFFIX[1] = suffix >>> 16, SUFFIX[2] = suffix >>> 8;
    SUFFIX[3] = suffix;
    // Deno takes a number for a usize parameter (its types say bigint): a BigInt per
    // packet would allocate.
    return lib.HMAC_Init_ex(ctx, null, 0, null, null) === 1 &&
      lib.HMAC_Update(ctx, bytes as Uint8Array<ArrayBuffer>, len as unknown as bigint) === 1 &&
      lib.HMAC_Update(ctx, SUFFIX, 4 as unknown as bigint) === 1 &&
      lib.HMAC_Final(ctx, out as Uint8Array<ArrayBuffer>, OUTL) === 1;
  }

  /** Frees the context; OpenSSL cleanses the key states. */
  free(): void {
    if (this.#ctx === null) return;
    freeLater.unregister(this.#token);
    this.#lib.HMAC_CTX_free(this.#ctx);
    this.#ctx = null;
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

interface Loaded {
  aes: (key: Uint8Array) => OpenSslAes128;
  hmac: (key: Uint8Array) => OpenSslHmacSha1;
  version: string;
}
let loaded: Loaded | null | undefined;

/**
 * What the AES-CM suites use in this thread: OpenSSL's version string, or the fallback
 * (for the box's start-up log).
 */
export function srtpCrypto(): string {
  if (loaded === undefined) loaded = load();
  return loaded ? loaded.version : "aes128.ts/sha1.ts (libcrypto.so.3 not loadable)";
}

/** An OpenSSL AES-128 context for `key`, or null where libcrypto is not usable here. */
export function openSslAes128(key: Uint8Array): OpenSslAes128 | null {
  if (loaded === undefined) loaded = load();
  return loaded ? loaded.aes(key) : null;
}

/** An OpenSSL HMAC-SHA1 context for `key`, or null where libcrypto is not usable here. */
export function openSslHmacSha1(key: Uint8Array): OpenSslHmacSha1 | null {
  if (loaded === undefined) loaded = load();
  return loaded ? loaded.hmac(key) : null;
}

/** Loads libcrypto once per thread and checks both primitives on known answers. */
function load(): Loaded | null {
  let dl: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    dl = Deno.dlopen(LIBCRYPTO_SONAME, SYMBOLS);
  } catch {
    return null;
  }
  const lib = dl.symbols;
  try {
    if (lib.OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, null) !== 1) {
      throw new Error("OPENSSL_init_crypto failed");
    }
    const cipher = lib.EVP_aes_128_ecb(), md = lib.EVP_sha1();
    if (cipher === null || md === null) throw new Error("no AES-128-ECB or SHA-1");
    const version = lib.OpenSSL_version(0);
    const made: Loaded = {
      aes: (key) => new OpenSslAes128(lib, cipher, key),
      hmac: (key) => new OpenSslHmacSha1(lib, md, key),
      version: version === null ? "OpenSSL" : new Deno.UnsafePointerView(version).getCString(),
    };
    // FIPS-197 appendix C.1: AES-128 of 00112233…ff under key 000102…0f.
    const aes = made.aes(Uint8Array.from({ length: 16 }, (_, i) => i));
    AES_CTR_IN.set(Uint8Array.from({ length: 16 }, (_, i) => i * 0x11));
    const aesOk = aes.encrypt(16) &&
      hex(AES_CTR_OUT.subarray(0, 16)) === "69c4e0d86a7b0430d8cdb78070b4c55a";
    aes.free();
    AES_CTR_IN.fill(0, 0, 16);
    AES_CTR_OUT.fill(0, 0, 16);
    // RFC 2202 test case 1 ("Hi There" under twenty 0x0b), the last 4 bytes as the suffix.
    const hmac = made.hmac(new Uint8Array(20).fill(0x0b));
    const mac = new Uint8Array(20);
    const hmacOk = hmac.signWithSuffix(new TextEncoder().encode("Hi T"), 4, 0x68657265, mac) &&
      hex(mac) === "b617318655057264e28bc0b6fb378c8ef146be00";
    hmac.free();
    if (!aesOk || !hmacOk) throw new Error("known answer failed");
    return made;
  } catch {
    dl.close();
    return null;
  }
}
