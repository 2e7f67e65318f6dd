/**
 * SRTP receive for AES_CM_128_HMAC_SHA1_80 and _32 (RFC 3711, RFC 4568 §6.2) without
 * libsrtp: the cost of a packet does not depend on how many contexts are alive (Debian's
 * NSS-based libsrtp slows with every session in the process). Key derivation (§4.3) runs
 * once at set-up; per packet it is the header check, the index estimate and replay check
 * (srtp_replay.ts), HMAC-SHA1 over the authenticated portion and ROC (§4.2), then AES-CM
 * decryption (§4.1.1) in place: synchronous, no allocation, no throw. The statuses and
 * their order are libsrtp's (srtp_unprotect), so {@link SrtpCmContext} is a drop-in for
 * the RTP half of an inbound `SrtpContext`. SRTCP stays with libsrtp. The keys and
 * transforms ({@link SrtpCmKeys}) are shared with the sending side, srtp_cm_sender.ts.
 * AES and HMAC-SHA1 run in OpenSSL's libcrypto (libcrypto.ts: constant-time AES-NI, one
 * FFI call per keystream) where it loads, else in aes128.ts and sha1.ts, same bytes.
 */
import { Aes128, aesCmXor } from "./aes128.ts";
import { HmacSha1 } from "./sha1.ts";
import {
  AES_CTR_IN,
  AES_CTR_MAX_BYTES,
  AES_CTR_OUT,
  type OpenSslAes128,
  openSslAes128,
  type OpenSslHmacSha1,
  openSslHmacSha1,
} from "./libcrypto.ts";
import { ESTIMATE_OK, ESTIMATE_REPLAY, SrtpReplayTable } from "./srtp_replay.ts";
import {
  SRTP_AUTH_FAIL,
  SRTP_BAD_PARAM,
  SRTP_OK,
  SRTP_PARSE_ERR,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
} from "./srtp_status.ts";

/** The two suites this context implements, with their tag lengths in bytes. */
export const SRTP_CM_TAG_BYTES = {
  AES_CM_128_HMAC_SHA1_80: 10,
  AES_CM_128_HMAC_SHA1_32: 4,
} as const;

/** An AES-CM suite ({@link SRTP_CM_TAG_BYTES}). */
export type SrtpCmProfileName = keyof typeof SRTP_CM_TAG_BYTES;

const MASTER_KEY_BYTES = 16;
const MASTER_SALT_BYTES = 14;
const AUTH_KEY_BYTES = 20;
/** Key derivation labels (RFC 3711 §4.3.1). */
const LABEL_ENCRYPTION = 0x00;
const LABEL_AUTH = 0x01;
const LABEL_SALT = 0x02;

/**
 * True for the suites {@link SrtpCmContext} implements.
 */
export function isSrtpCmProfile(profile: string): profile is SrtpCmProfileName {
  return Object.hasOwn(SRTP_CM_TAG_BYTES, profile);
}

/**
 * Session key of `label` (RFC 3711 §4.3.1 with key_derivation_rate 0, so r = 0):
 * x = (label · 2^48) XOR master_salt, key = AES-CM(master_key, x · 2^16) of `len` bytes.
 */
export function deriveSrtpKey(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  label: number,
  len: number,
): Uint8Array {
  const x = new Uint8Array(16);
  x.set(masterSalt);
  x[7] ^= label;
  const iv = new Int32Array(4);
  for (let i = 0; i < 16; i++) iv[i >> 2] |= x[i] << (24 - 8 * (i & 3));
  const aes = new Aes128(masterKey);
  const out = new Uint8Array(len);
  aesCmXor(aes, iv, out, 0, len);
  aes.wipe();
  return out;
}

/*
 * RFC 3711 §3.1 SRTP packet (the RTP header of RFC 3550 §5.1 in clear):
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+<+
 *     |V=2|P|X|  CC   |M|     PT      |       sequence number         | |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *     |                           timestamp                           | |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *     |           synchronization source (SSRC) identifier            | |
 *     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+ |
 *     |            contributing source (CSRC) identifiers             | |
 *     |                               ....                            | |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *     |                   RTP extension (OPTIONAL)                    | |
 *   +>+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *   | |                          payload  ...                         | |
 *   | |                               +-------------------------------+ |
 *   | |                               | RTP padding   | RTP pad count | |
 *   +>+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+<+
 *   | ~                     SRTP MKI (OPTIONAL)                       ~ |
 *   | +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *   | :                 authentication tag (RECOMMENDED)              : |
 *   | +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |
 *   |                                                                   |
 *   +- Encrypted Portion*                      Authenticated Portion ---+
 *
 * No MKI here (SDES lines without one, as libsrtp is set up). The version is not checked
 * (libsrtp does not; the RTP parser after us does).
 */

const RTP_HEADER_BYTES = 12;
const CSRC_COUNT_MASK = 0x0f;
const EXTENSION_BIT = 0x10;

/**
 * Length of the clear RTP header of `buf[0..len)` (fixed header, CSRCs, extension), or
 * −{@link SRTP_BAD_PARAM} when the packet is shorter than the header it announces
 * (libsrtp's srtp_validate_rtp_header). Never throws.
 */
export function srtpHeaderLength(buf: Uint8Array, len: number): number {
  if (len < RTP_HEADER_BYTES || len > buf.length) return -SRTP_BAD_PARAM;
  let n = RTP_HEADER_BYTES + 4 * (buf[0] & CSRC_COUNT_MASK);
  if (buf[0] & EXTENSION_BIT) {
    if (len < n + 4) return -SRTP_BAD_PARAM;
    n += 4 + 4 * ((buf[n + 2] << 8) | buf[n + 3]);
  }
  return len < n ? -SRTP_BAD_PARAM : n;
}

/** Scratch shared by all contexts of a thread (one packet at a time). */
const IV = new Int32Array(4);
const MAC = new Uint8Array(20);

/**
 * The session keys of one master key (RFC 3711 §4.3, derived once) and the two per-packet
 * transforms both directions share: AES-CM over a byte range (§4.1.1) and the HMAC-SHA1
 * tag (§4.2). Synchronous, no allocation, no throw per packet.
 */
export class SrtpCmKeys {
  readonly profile: SrtpCmProfileName;
  /** Tag bytes of the suite (10 or 4). */
  readonly tagBytes: number;
  #aes: Aes128;
  /** The same keys in OpenSSL (AES-NI, constant time) where this thread can load it. */
  #native: OpenSslAes128 | null;
  #hmac: HmacSha1;
  #nativeHmac: OpenSslHmacSha1 | null;
  /** Session salt as the IV's words (k_s · 2^16: its 112 bits in bytes 0..13). */
  #salt = new Int32Array(4);

  /**
   * Derives the session keys from `keySalt` (16-byte master key ‖ 14-byte master salt).
   * `native: false` keeps AES and HMAC in aes128.ts and sha1.ts even where OpenSSL is
   * available (tests, benches).
   */
  constructor(profile: SrtpCmProfileName, keySalt: Uint8Array, opts: { native?: boolean } = {}) {
    if (!isSrtpCmProfile(profile)) {
      throw new RangeError(`Cannot set up SRTP: suite "${profile}" is not an AES-CM suite`);
    }
    if (keySalt.length !== MASTER_KEY_BYTES + MASTER_SALT_BYTES) {
      throw new RangeError(
        `Cannot set up SRTP ${profile}: key and salt are ${keySalt.length} bytes, not 30`,
      );
    }
    this.profile = profile;
    this.tagBytes = SRTP_CM_TAG_BYTES[profile];
    const key = keySalt.subarray(0, MASTER_KEY_BYTES), salt = keySalt.subarray(MASTER_KEY_BYTES);
    const encKey = deriveSrtpKey(key, salt, LABEL_ENCRYPTION, 16);
    const authKey = deriveSrtpKey(key, salt, LABEL_AUTH, AUTH_KEY_BYTES);
    const sessionSalt = deriveSrtpKey(key, salt, LABEL_SALT, MASTER_SALT_BYTES);
    this.#aes = new Aes128(encKey);
    this.#native = opts.native === false ? null : openSslAes128(encKey);
    this.#nativeHmac = opts.native === false ? null : openSslHmacSha1(authKey);
    this.#hmac = new HmacSha1(authKey);
    for (let i = 0; i < MASTER_SALT_BYTES; i++) {
      this.#salt[i >> 2] |= sessionSalt[i] << (24 - 8 * (i & 3));
    }
    for (const k of [encKey, authKey, sessionSalt]) k.fill(0);
  }

  /**
   * XORs `buf[start..end)` with the keystream of packet index ROC · 2^16 + SEQ of `ssrc`:
   * IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16) (§4.1.1). Encrypts and decrypts.
   */
  crypt(buf: Uint8Array, start: number, end: number, ssrc: number, roc: number, seq: number) {
    const salt = this.#salt;
    IV[0] = salt[0];
    IV[1] = salt[1] ^ ssrc;
    IV[2] = salt[2] ^ roc;
    IV[3] = salt[3] ^ (seq << 16);
    if (!this.#nativeXor(buf, start, end)) aesCmXor(this.#aes, IV, buf, start, end);
  }

  /**
   * The keystream from OpenSSL: the counter blocks IV + j (j in the IV's zero low 16
   * bits) encrypted in one call, XOR-ed into `buf[start..end)`. False when not available.
   */
  #nativeXor(buf: Uint8Array, start: number, end: number): boolean {
    const native = this.#native, len = end - start;
    const bytes = (len + 15) & ~15;
    if (native === null || len <= 0 || bytes > AES_CTR_MAX_BYTES) return false;
    const w0 = IV[0], w1 = IV[1], w2 = IV[2], w3 = IV[3], ctr = AES_CTR_IN;
    for (let o = 0, j = 0; o < bytes; o += 16, j++) {
      const w = w3 | j;
      ctr[o] = w0 >>> 24, ctr[o + 1] = w0 >>> 16, ctr[o + 2] = w0 >>> 8, ctr[o + 3] = w0;
      ctr[o + 4] = w1 >>> 24, ctr[o + 5] = w1 >>> 16, ctr[o + 6] = w1 >>> 8, ctr[o + 7] = w1;
      ctr[o + 8] = w2 >>> 24, ctr[o + 9] = w2 >>> 16, ctr[o + 10] = w2 >>> 8, ctr[o + 11] = w2;
      ctr[o + 12] = w >>> 24, ctr[o + 13] = w >>> 16, ctr[o + 14] = w >>> 8, ctr[o + 15] = w;
    }
    if (!native.encrypt(bytes)) return false;
    const ks = AES_CTR_OUT;
    for (let i = 0; i < len; i++) buf[start + i] ^= ks[i];
    return true;
  }

  /**
   * HMAC-SHA1 of the authenticated portion `buf[0..end)` ‖ ROC (§4.2), the full 20 bytes,
   * into a scratch array shared by all keys of the thread: read it before the next call.
   */
  mac(buf: Uint8Array, end: number, roc: number): Uint8Array {
    if (!this.#nativeHmac?.signWithSuffix(buf, end, roc, MAC)) {
      this.#hmac.signWithSuffix(buf, end, roc, MAC);
    }
    return MAC;
  }

  /** Whether the keystream and tags come from OpenSSL (else aes128.ts and sha1.ts). */
  get native(): boolean {
    return this.#native !== null && this.#nativeHmac !== null;
  }

  /** Overwrites the session keys. */
  wipe(): void {
    this.#aes.wipe();
    this.#native?.free();
    this.#nativeHmac?.free();
    this.#hmac.wipe();
    this.#salt.fill(0);
  }
}

/**
 * Inbound SRTP for one master key and any SSRC (ROC and replay window per SSRC). Same
 * shape as libsrtp's `SrtpContext` for RTP: {@link unprotect} returns a status and leaves
 * the RTP length in {@link length}.
 */
export class SrtpCmContext {
  readonly profile: SrtpCmProfileName;
  #keys: SrtpCmKeys;
  #streams = new SrtpReplayTable();
  #length = 0;

  /**
   * Derives the session keys from `keySalt` (16-byte master key ‖ 14-byte master salt);
   * `opts` as for {@link SrtpCmKeys}.
   */
  constructor(profile: SrtpCmProfileName, keySalt: Uint8Array, opts: { native?: boolean } = {}) {
    this.#keys = new SrtpCmKeys(profile, keySalt, opts);
    this.profile = profile;
  }

  /** RTP length after the last successful {@link unprotect} (the input length otherwise). */
  get length(): number {
    return this.#length;
  }

  /** SSRCs this context follows. */
  get streams(): number {
    return this.#streams.streams;
  }

  /**
   * Authenticates, replay-checks and decrypts the SRTP packet `buf[0..len)` in place
   * (RFC 3711 §3.3). Returns {@link SRTP_OK} or a failure status; a failure leaves the
   * packet bytes, the ROC and the replay window as they were.
   */
  unprotect(buf: Uint8Array, len: number): number {
    this.#length = len;
    const header = srtpHeaderLength(buf, len);
    if (header < 0) return -header;
    const ssrc = (buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11];
    const seq = (buf[2] << 8) | buf[3];
    const streams = this.#streams;
    const replay = streams.estimate(ssrc, seq);
    if (replay !== ESTIMATE_OK) {
      return replay === ESTIMATE_REPLAY ? SRTP_REPLAY_FAIL : SRTP_REPLAY_OLD;
    }
    const keys = this.#keys;
    const tagBytes = keys.tagBytes;
    const end = len - tagBytes;
    if (header > end) return SRTP_PARSE_ERR;
    const roc = streams.roc;
    const mac = keys.mac(buf, end, roc);
    let diff = 0;
    for (let i = 0; i < tagBytes; i++) diff |= mac[i] ^ buf[end + i];
    if (diff !== 0) return SRTP_AUTH_FAIL;
    keys.crypt(buf, header, end, ssrc, roc, seq);
    streams.commit(ssrc, seq);
    this.#length = end;
    return SRTP_OK;
  }

  /** Overwrites the session keys. */
  close(): void {
    this.#keys.wipe();
  }
}
