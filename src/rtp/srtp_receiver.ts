/**
 * Receiving side of one SRTP stream (RFC 3711 §3.3): every RTP and RTCP datagram is
 * authenticated, replay-checked and decrypted in place, with the rollover counter
 * (§3.3.1) and replay window (§3.3.2) kept per SSRC. RTP of the AES-CM suites goes through
 * srtp_cm.ts, whose cost does not grow with the number of sessions as Debian's libsrtp's
 * does; SRTCP and the AEAD_AES_*_GCM suites go through libsrtp (srtp_ffi.ts). Packets that
 * fail are counted and dropped, never handed on. A re-key (new SDES key on a re-INVITE)
 * keeps the previous key for packets still in flight: until the new key has
 * authenticated a packet and {@link REKEY_OVERLAP_MS} more have passed. No allocation
 * and no throw per packet.
 */
import {
  SRTP_AUTH_FAIL,
  SRTP_OK,
  SRTP_REPLAY_FAIL,
  SRTP_REPLAY_OLD,
  SrtpContext,
  type SrtpProfileName,
} from "./srtp_ffi.ts";
import { isSrtpCmProfile, SrtpCmContext } from "./srtp_cm.ts";
import { MAX_DATAGRAM_BYTES } from "./udp_capture.ts";

/** How long the old key still decrypts after the new one first succeeded. */
export const REKEY_OVERLAP_MS = 2000;

/** Counters of {@link SrtpReceiver.toJSON}. */
export interface SrtpReceiverStats {
  suite: SrtpProfileName;
  /** RTP and RTCP packets that failed authentication (or were malformed). */
  authFailures: number;
  /** Packets refused by the replay window: seen before, or too old. */
  replays: number;
  rekeys: number;
}

/** One master key: its RTP context (srtp_cm.ts for AES-CM, libsrtp for GCM) and SRTCP's. */
class KeyContexts {
  readonly profile: SrtpProfileName;
  readonly rtp: SrtpCmContext | SrtpContext;
  readonly rtcp: SrtpContext;

  constructor(suite: SrtpProfileName, keySalt: Uint8Array) {
    this.profile = suite;
    const cm = isSrtpCmProfile(suite) ? new SrtpCmContext(suite, keySalt) : null;
    this.rtcp = new SrtpContext(suite, keySalt, "inbound");
    this.rtp = cm ?? this.rtcp;
  }

  close(): void {
    if (this.rtp !== this.rtcp) this.rtp.close();
    this.rtcp.close();
  }
}

/** SRTP/SRTCP unprotect for one stream, with re-key overlap. */
export class SrtpReceiver {
  #current: KeyContexts;
  #previous: KeyContexts | null = null;
  #previousUntil = Infinity;
  #scratch = new Uint8Array(MAX_DATAGRAM_BYTES + 1);
  #auth = 0;
  #replays = 0;
  #rekeys = 0;

  constructor(suite: SrtpProfileName, keySalt: Uint8Array) {
    this.#current = new KeyContexts(suite, keySalt);
  }

  /** Installs a new master key; the current one stays for the overlap. */
  rekey(suite: SrtpProfileName, keySalt: Uint8Array): void {
    const next = new KeyContexts(suite, keySalt);
    this.#previous?.close();
    this.#previous = this.#current;
    this.#previousUntil = Infinity;
    this.#current = next;
    this.#rekeys++;
  }

  /** Unprotects SRTP in `bytes` in place: the RTP length, or -1 (dropped, counted). */
  rtp(bytes: Uint8Array, arrivalMs: number): number {
    return this.#run(bytes, arrivalMs, false);
  }

  /** Unprotects SRTCP in `bytes` in place: the RTCP length, or -1 (dropped, counted). */
  rtcp(bytes: Uint8Array, arrivalMs: number): number {
    return this.#run(bytes, arrivalMs, true);
  }

  #run(bytes: Uint8Array, arrivalMs: number, rtcp: boolean): number {
    const len = bytes.length;
    if (len > this.#scratch.length) {
      this.#auth++;
      return -1;
    }
    const prev = this.#previous;
    if (prev && arrivalMs > this.#previousUntil) this.#dropPrevious();
    // With a previous key alive the packet is kept, to try it again if the new key fails.
    if (this.#previous) this.#scratch.set(bytes);
    const cur = this.#current;
    let status = rtcp ? cur.rtcp.unprotectRtcp(bytes, len) : cur.rtp.unprotect(bytes, len);
    if (status === SRTP_OK) {
      if (this.#previous && this.#previousUntil === Infinity) {
        this.#previousUntil = arrivalMs + REKEY_OVERLAP_MS;
      }
      return rtcp ? cur.rtcp.length : cur.rtp.length;
    }
    if (this.#previous && status === SRTP_AUTH_FAIL) {
      bytes.set(this.#scratch.subarray(0, len));
      const old = this.#previous;
      status = rtcp ? old.rtcp.unprotectRtcp(bytes, len) : old.rtp.unprotect(bytes, len);
      if (status === SRTP_OK) return rtcp ? old.rtcp.length : old.rtp.length;
    }
    if (status === SRTP_REPLAY_FAIL || status === SRTP_REPLAY_OLD) this.#replays++;
    else this.#auth++;
    return -1;
  }

  #dropPrevious(): void {
    this.#previous?.close();
    this.#previous = null;
    this.#previousUntil = Infinity;
  }

  /** Counters for the stream's report. */
  toJSON(): SrtpReceiverStats {
    return {
      suite: this.#current.profile,
      authFailures: this.#auth,
      replays: this.#replays,
      rekeys: this.#rekeys,
    };
  }

  /** Frees both keys' contexts. */
  close(): void {
    this.#current.close();
    this.#dropPrevious();
  }
}
