/**
 * Receiving side of one SRTP stream (RFC 3711 §3.3): every RTP and RTCP datagram is
 * authenticated, replay-checked and decrypted in place by libsrtp (srtp_ffi.ts), which
 * keeps the rollover counter (§3.3.1) and replay window (§3.3.2) per SSRC. Packets that
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

/** SRTP/SRTCP unprotect for one stream, with re-key overlap. */
export class SrtpReceiver {
  #current: SrtpContext;
  #previous: SrtpContext | null = null;
  #previousUntil = Infinity;
  #scratch = new Uint8Array(MAX_DATAGRAM_BYTES + 1);
  #auth = 0;
  #replays = 0;
  #rekeys = 0;

  constructor(suite: SrtpProfileName, keySalt: Uint8Array) {
    this.#current = new SrtpContext(suite, keySalt, "inbound");
  }

  /** Installs a new master key; the current one stays for the overlap. */
  rekey(suite: SrtpProfileName, keySalt: Uint8Array): void {
    const next = new SrtpContext(suite, keySalt, "inbound");
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
    let status = rtcp ? cur.unprotectRtcp(bytes, len) : cur.unprotect(bytes, len);
    if (status === SRTP_OK) {
      if (this.#previous && this.#previousUntil === Infinity) {
        this.#previousUntil = arrivalMs + REKEY_OVERLAP_MS;
      }
      return cur.length;
    }
    if (this.#previous && status === SRTP_AUTH_FAIL) {
      bytes.set(this.#scratch.subarray(0, len));
      const old = this.#previous;
      status = rtcp ? old.unprotectRtcp(bytes, len) : old.unprotect(bytes, len);
      if (status === SRTP_OK) return old.length;
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

  /** Frees both libsrtp sessions. */
  close(): void {
    this.#current.close();
    this.#dropPrevious();
  }
}
