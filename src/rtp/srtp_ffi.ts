/**
 * The one adapter to libsrtp2 (Debian `libsrtp2-1`) through Deno FFI. libsrtp does the
 * SRTP work of RFC 3711: key derivation (§4.3), rollover counter estimation (§3.3.1),
 * the replay window (§3.3.2), AES-CM + HMAC-SHA1 (§4.1, §4.2) and AES-GCM (RFC 7714).
 * Per packet it is one synchronous call on the caller's buffer, with a preallocated
 * length cell: no allocation, no promise.
 *
 * srtp_policy_t (srtp2/srtp.h, x86-64, 128 bytes):
 *
 *   0 ssrc {type u32, value u32}   8 rtp crypto policy (6 × i32)   32 rtcp crypto policy
 *  56 key *u8   64 keys **   72 num_master_keys u64   80 deprecated_ekt *   88 window_size u64
 *  96 allow_repeat_tx i32   104 enc_xtn_hdr *   112 enc_xtn_hdr_count i32   120 next *
 */

import {
  SRTP_AUTH_FAIL,
  SRTP_NO_CTX,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
} from "./srtp_status.ts";

/** SRTP suites by libsrtp profile number (srtp_profile_t). */
export const SRTP_PROFILES = {
  AES_CM_128_HMAC_SHA1_80: 1,
  AES_CM_128_HMAC_SHA1_32: 2,
  AEAD_AES_128_GCM: 7,
  AEAD_AES_256_GCM: 8,
} as const;

/** A suite libsrtp is set up for here. */
export type SrtpProfileName = keyof typeof SRTP_PROFILES;

/** srtp_err_status_t values (srtp_status.ts), re-exported for this adapter's callers. */
export { SRTP_AUTH_FAIL, SRTP_NO_CTX, SRTP_OK, SRTP_REPLAY_FAIL, SRTP_REPLAY_OLD };

/** The shared object's soname (Debian package libsrtp2-1). */
export const LIBSRTP_SONAME = "libsrtp2.so.1";

const POLICY_BYTES = 128;
const SSRC_ANY_INBOUND = 2;
const SSRC_ANY_OUTBOUND = 3;
/** Replay window in packets (RFC 3711 §3.3.2: at least 64). */
const REPLAY_WINDOW = 1024;
const INIT_LOCK = "/tmp/selrec-libsrtp-init.lock";

const SYMBOLS = {
  srtp_init: { parameters: [], result: "i32" },
  srtp_crypto_kernel_get_cipher_type: { parameters: ["i32"], result: "pointer" },
  srtp_get_version_string: { parameters: [], result: "pointer" },
  srtp_create: { parameters: ["buffer", "buffer"], result: "i32" },
  srtp_dealloc: { parameters: ["pointer"], result: "i32" },
  srtp_crypto_policy_set_from_profile_for_rtp: { parameters: ["pointer", "i32"], result: "i32" },
  srtp_crypto_policy_set_from_profile_for_rtcp: { parameters: ["pointer", "i32"], result: "i32" },
  srtp_protect: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  srtp_unprotect: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  srtp_protect_rtcp: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  srtp_unprotect_rtcp: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let lib: Lib | null = null;

/**
 * Runs `fn` under an exclusive flock on {@link INIT_LOCK}, taken through a fresh open, so
 * it also excludes other threads (Deno workers) of this process. libsrtp's set-up calls are
 * not thread-safe: srtp_init() must run once per process (a second call fails with
 * bad_param, two at once with cipher_fail), and session set-up and teardown touch the crypto
 * backend (NSS). Set-up is per call, never per packet. Without the lock file (no /tmp), `fn`
 * runs unguarded.
 *
 * libsrtp is pinned ({@link pinLibSrtp}), so a worker that starts after another ended finds
 * it initialised. The box uses it from the capture worker alone; the test run keeps its
 * in-process libsrtp tests out of the parallel run, one process each.
 */
function underSetupLock<T>(fn: () => T): T {
  let file: Deno.FsFile | null = null;
  try {
    file = Deno.openSync(INIT_LOCK, { read: true, write: true, create: true });
    file.lockSync(true);
  } catch {
    file?.close();
    file = null;
  }
  try {
    return fn();
  } finally {
    file?.close();
  }
}

/** srtp_cipher_type_id_t of AES-CM-128 (libsrtp's cipher_types.h). */
const SRTP_AES_ICM_128 = 1;

/**
 * srtp_init() once per mapping of libsrtp, which {@link pinLibSrtp} makes once per
 * process: libsrtp's crypto kernel knows the AES-CM cipher type only after srtp_init(), so
 * a thread that finds it skips the call. Asking libsrtp itself, not a marker kept elsewhere,
 * is right even when libsrtp could not be pinned and comes back unmapped and uninitialised.
 */
function initOnce(symbols: Lib): number {
  return underSetupLock(() =>
    symbols.srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128) !== null
      ? SRTP_OK
      : symbols.srtp_init()
  );
}

/** dlfcn.h: resolve every symbol now; never unmap the object, whatever dlclose() says. */
const RTLD_NOW = 0x2;
const RTLD_NODELETE = 0x1000;

/**
 * Opens libsrtp once more with RTLD_NODELETE, so it stays mapped for the life of the
 * process. Deno closes a thread's libraries when the thread ends (a worker, a test module):
 * unpinned, libsrtp was unmapped then, and the next worker mapped it afresh with its crypto
 * kernel uninitialised. Where libc's dlopen() cannot pin it, {@link initOnce} still
 * initialises each fresh mapping.
 */
function pinLibSrtp(): void {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
    });
    try {
      libc.symbols.dlopen(
        new TextEncoder().encode(`${LIBSRTP_SONAME}\0`),
        RTLD_NOW | RTLD_NODELETE,
      );
    } finally {
      libc.close();
    }
  } catch {
    // No libc.so.6 or no FFI: unpinned, as before.
  }
}

/** Loads libsrtp once. Throws naming the library and the Debian package when it is missing. */
export function loadLibSrtp(): Lib {
  if (lib) return lib;
  pinLibSrtp();
  let dl: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    dl = Deno.dlopen(LIBSRTP_SONAME, SYMBOLS);
  } catch (err) {
    throw new Error(
      `Cannot load ${LIBSRTP_SONAME} (Debian package libsrtp2-1) for SRTP: ${
        (err as Error).message
      }`,
    );
  }
  const status = initOnce(dl.symbols);
  if (status !== SRTP_OK) {
    dl.close();
    throw new Error(`Cannot initialise libsrtp: srtp_init returned ${status}`);
  }
  lib = dl.symbols;
  return lib;
}

/** libsrtp's version string, e.g. "libsrtp2 2.5.0". */
export function libSrtpVersion(): string {
  const p = loadLibSrtp().srtp_get_version_string();
  return p ? Deno.UnsafePointerView.getCString(p) : "unknown";
}

/**
 * One libsrtp session for one direction and one master key, any SSRC. `run*` protect or
 * unprotect `buf[0..len)` in place and return the libsrtp status; the new length is in
 * {@link SrtpContext.length}. Protect needs 16 spare bytes (tag) after `len`, 20 for RTCP.
 */
export class SrtpContext {
  readonly profile: SrtpProfileName;
  #lib: Lib;
  #ctx: Deno.PointerValue;
  #len = new Int32Array(1);

  constructor(profile: SrtpProfileName, keySalt: Uint8Array, direction: "inbound" | "outbound") {
    this.#lib = loadLibSrtp();
    this.profile = profile;
    const policy = new Uint8Array(POLICY_BYTES);
    const view = new DataView(policy.buffer);
    const key = keySalt.slice();
    const base = Deno.UnsafePointer.of(policy)!;
    const code = SRTP_PROFILES[profile];
    this.#lib.srtp_crypto_policy_set_from_profile_for_rtp(Deno.UnsafePointer.offset(base, 8), code);
    this.#lib.srtp_crypto_policy_set_from_profile_for_rtcp(
      Deno.UnsafePointer.offset(base, 32),
      code,
    );
    view.setUint32(0, direction === "inbound" ? SSRC_ANY_INBOUND : SSRC_ANY_OUTBOUND, true);
    view.setBigUint64(56, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(key))), true);
    view.setBigUint64(88, BigInt(REPLAY_WINDOW), true);
    const out = new BigUint64Array(1);
    const status = underSetupLock(() => this.#lib.srtp_create(new Uint8Array(out.buffer), policy));
    key.fill(0);
    if (status !== SRTP_OK) throw new Error(`Cannot create SRTP context ${profile}: ${status}`);
    this.#ctx = Deno.UnsafePointer.create(out[0]);
  }

  /** Length after the last call. */
  get length(): number {
    return this.#len[0];
  }

  /** srtp_unprotect: authenticate, replay-check and decrypt an SRTP packet in place. */
  unprotect(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    if (this.#ctx === null) return SRTP_NO_CTX;
    return this.#lib.srtp_unprotect(this.#ctx, buf, this.#len);
  }

  /** srtp_unprotect_rtcp for an SRTCP packet. */
  unprotectRtcp(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    if (this.#ctx === null) return SRTP_NO_CTX;
    return this.#lib.srtp_unprotect_rtcp(this.#ctx, buf, this.#len);
  }

  /** srtp_protect: encrypt and tag an RTP packet in place (needs spare room). */
  protect(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    if (this.#ctx === null) return SRTP_NO_CTX;
    return this.#lib.srtp_protect(this.#ctx, buf, this.#len);
  }

  /** srtp_protect_rtcp for an RTCP packet (needs spare room for index and tag). */
  protectRtcp(buf: Uint8Array, len: number): number {
    this.#len[0] = len;
    if (this.#ctx === null) return SRTP_NO_CTX;
    return this.#lib.srtp_protect_rtcp(this.#ctx, buf, this.#len);
  }

  /** Frees the libsrtp session (its key schedule is wiped by libsrtp). */
  close(): void {
    if (this.#ctx === null) return;
    const ctx = this.#ctx;
    underSetupLock(() => this.#lib.srtp_dealloc(ctx));
    this.#ctx = null;
  }
}
