/**
 * SRTP send for AES_CM_128_HMAC_SHA1_80 and _32 (RFC 3711 §3.3, RFC 4568 §6.2) without
 * libsrtp, for the call simulator's load generator: Debian's NSS-based libsrtp slows with
 * every live session in the process, so at a few hundred simulated calls the sender, not
 * the recorder, fell behind. The session keys and transforms are srtp_cm.ts's
 * {@link SrtpCmKeys}; the packet layout is the diagram there. Per packet: synchronous, no
 * allocation, no throw; the statuses are libsrtp's (srtp_protect).
 *
 * The packet is protected in the caller's buffer, which needs the tag's room after it:
 *
 *     before  | RTP header (clear) | payload (plain)      | spare >= tag bytes |
 *     after   | RTP header (clear) | payload (encrypted)  | authentication tag |
 *             0                  header                  len              len + tag
 *
 * Sender processing (RFC 3711 §3.3, no MKI):
 *  1. the packet index i = 2^16 · ROC + SEQ (§3.3.1: the sender increments its ROC each
 *     time SEQ wraps modulo 2^16). The index is kept per SSRC the way srtp_protect keeps
 *     it (srtp_replay.ts, libsrtp's rdbx): in sending order that is ROC + 1 at each wrap,
 *     so any receiver's estimate finds the same index; a packet whose index was already
 *     used is refused, since a repeated (SSRC, index) repeats the keystream (§9.1);
 *  2. the payload encrypted in place with AES-CM under that index (§4.1.1);
 *  3. the tag, HMAC-SHA1 of header ‖ encrypted payload ‖ ROC cut to 80 or 32 bits (§4.2),
 *     appended.
 */
import { SrtpCmKeys, type SrtpCmProfileName, srtpHeaderLength } from "./srtp_cm.ts";
import { ESTIMATE_OK, ESTIMATE_REPLAY, SRTP_MAX_SSRCS, SrtpReplayTable } from "./srtp_replay.ts";
import {
  SRTP_ALLOC_FAIL,
  SRTP_BAD_PARAM,
  SRTP_NO_CTX,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
} from "./srtp_status.ts";

/**
 * Outbound SRTP for one master key and up to {@link SRTP_MAX_SSRCS} SSRCs. Same shape as
 * libsrtp's `SrtpContext` for RTP: {@link protect} returns a status and leaves the SRTP
 * length in {@link length}.
 */
export class SrtpCmSender {
  readonly profile: SrtpCmProfileName;
  #keys: SrtpCmKeys;
  #streams = new SrtpReplayTable();
  #length = 0;
  #closed = false;

  /**
   * Derives the session keys from `keySalt` (16-byte master key ‖ 14-byte master salt);
   * `opts` as for {@link SrtpCmKeys}.
   */
  constructor(profile: SrtpCmProfileName, keySalt: Uint8Array, opts: { native?: boolean } = {}) {
    this.#keys = new SrtpCmKeys(profile, keySalt, opts);
    this.profile = profile;
  }

  /** Tag bytes {@link protect} appends (10 or 4). */
  get tagBytes(): number {
    return this.#keys.tagBytes;
  }

  /** SRTP length after the last successful {@link protect} (the input length otherwise). */
  get length(): number {
    return this.#length;
  }

  /** SSRCs this context has sent for. */
  get streams(): number {
    return this.#streams.streams;
  }

  /**
   * Encrypts the RTP packet `buf[0..len)` in place and appends its tag (RFC 3711 §3.3);
   * `buf` must hold {@link tagBytes} more bytes after `len`. Returns {@link SRTP_OK}
   * or a failure status; a failure leaves the packet bytes and the ROC as they were.
   */
  protect(buf: Uint8Array, len: number): number {
    this.#length = len;
    if (this.#closed) return SRTP_NO_CTX;
    const header = srtpHeaderLength(buf, len);
    if (header < 0) return -header;
    const keys = this.#keys;
    const tagBytes = keys.tagBytes;
    if (len + tagBytes > buf.length) return SRTP_BAD_PARAM;
    const ssrc = (buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11];
    const seq = (buf[2] << 8) | buf[3];
    const streams = this.#streams;
    const used = streams.estimate(ssrc, seq);
    if (used !== ESTIMATE_OK) {
      return used === ESTIMATE_REPLAY ? SRTP_REPLAY_FAIL : SRTP_REPLAY_OLD;
    }
    // No room for a new SSRC: evicting one would restart it at ROC 0 and could repeat a
    // keystream, so the packet is refused instead.
    if (!streams.known && streams.streams >= SRTP_MAX_SSRCS) return SRTP_ALLOC_FAIL;
    const roc = streams.roc;
    keys.crypt(buf, header, len, ssrc, roc, seq);
    const mac = keys.mac(buf, len, roc);
    for (let i = 0; i < tagBytes; i++) buf[len + i] = mac[i];
    streams.commit(ssrc, seq);
    this.#length = len + tagBytes;
    return SRTP_OK;
  }

  /** Overwrites the session keys; {@link protect} refuses from then on. */
  close(): void {
    this.#closed = true;
    this.#keys.wipe();
  }
}
