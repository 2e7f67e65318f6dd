/**
 * Per-SSRC receive state of an SRTP context that takes any SSRC (like libsrtp's
 * SSRC_ANY_INBOUND): the packet index estimate from the rollover counter (RFC 3711
 * §3.3.1, Appendix A) and the replay window (§3.3.2). It is kept in preallocated typed
 * arrays and works in two steps, so that a packet that fails authentication changes
 * nothing: {@link SrtpReplayTable.estimate} (read only) and, after the tag is verified,
 * {@link SrtpReplayTable.commit}.
 *
 * The rules follow libsrtp 2 (rdbx.c) exactly, so both accept the same packets: an SSRC's
 * first packet has ROC 0; while the highest index is at most 2^15 the ROC stays 0 (no
 * guess of ROC − 1 at start-up); then v ∈ {ROC − 1, ROC, ROC + 1} as in Appendix A.
 */

/** Replay window in packets: the REPLAY_WINDOW libsrtp is set up with in srtp_ffi.ts. */
export const SRTP_REPLAY_WINDOW = 1024;
/** SSRCs one context follows; the least recently authenticated one gives way to a new one. */
export const SRTP_MAX_SSRCS = 16;

/** Outcome of {@link SrtpReplayTable.estimate}. */
export const ESTIMATE_OK = 0;
export const ESTIMATE_REPLAY = 1;
export const ESTIMATE_TOO_OLD = 2;

const WINDOW_WORDS = SRTP_REPLAY_WINDOW / 32;
const SEQ_MEDIAN = 0x8000;
const SEQ_MAX = 0x10000;

/**
 * The streams of one context. After {@link estimate}, {@link roc} and {@link delta} hold the
 * guess for the packet; {@link commit} with the same SSRC and sequence number records it.
 * Bit k of a stream's window is index (highest − k).
 */
export class SrtpReplayTable {
  #ssrc = new Int32Array(SRTP_MAX_SSRCS);
  #roc = new Int32Array(SRTP_MAX_SSRCS);
  #seq = new Int32Array(SRTP_MAX_SSRCS);
  #used = new Float64Array(SRTP_MAX_SSRCS);
  #window = new Int32Array(SRTP_MAX_SSRCS * WINDOW_WORDS);
  #count = 0;
  #clock = 0;
  /** [slot or −1, guessed ROC (int32), delta to the highest index] of the last estimate. */
  #est = new Int32Array(3);

  /** Guessed rollover counter of the last estimate (as int32; `>>> 0` for the value). */
  get roc(): number {
    return this.#est[1];
  }

  /** Guessed index minus the stream's highest index, of the last estimate. */
  get delta(): number {
    return this.#est[2];
  }

  /** Whether the SSRC of the last estimate is followed already (false: a new stream). */
  get known(): boolean {
    return this.#est[0] >= 0;
  }

  /** SSRCs followed now. */
  get streams(): number {
    return this.#count;
  }

  /** Guesses the index of (`ssrc`, `seq`) and checks the replay window; changes nothing. */
  estimate(ssrc: number, seq: number): number {
    const est = this.#est;
    const slot = this.#find(ssrc | 0);
    est[0] = slot;
    if (slot < 0) {
      est[1] = 0;
      est[2] = seq;
      return ESTIMATE_OK;
    }
    const roc = this.#roc[slot], s = this.#seq[slot];
    if (roc === 0 && s <= SEQ_MEDIAN) {
      est[1] = 0;
      est[2] = seq - s;
    } else if (s < SEQ_MEDIAN) {
      const back = seq - s > SEQ_MEDIAN;
      est[1] = back ? roc - 1 : roc;
      est[2] = back ? seq - s - SEQ_MAX : seq - s;
    } else {
      const ahead = s - SEQ_MEDIAN > seq;
      est[1] = ahead ? roc + 1 : roc;
      est[2] = ahead ? seq - s + SEQ_MAX : seq - s;
    }
    const delta = est[2];
    if (delta > 0) return ESTIMATE_OK;
    if (-delta >= SRTP_REPLAY_WINDOW) return ESTIMATE_TOO_OLD;
    const word = slot * WINDOW_WORDS + (-delta >> 5);
    return (this.#window[word] >>> (-delta & 31)) & 1 ? ESTIMATE_REPLAY : ESTIMATE_OK;
  }

  /** Records the last estimated packet as received (call only after it authenticated). */
  commit(ssrc: number, seq: number): void {
    const est = this.#est;
    let slot = est[0];
    if (slot < 0) slot = this.#add(ssrc | 0);
    this.#used[slot] = ++this.#clock;
    const delta = est[2];
    if (delta > 0) {
      this.#shift(slot, delta);
      this.#roc[slot] = est[1];
      this.#seq[slot] = seq;
      this.#window[slot * WINDOW_WORDS] |= 1;
    } else {
      this.#window[slot * WINDOW_WORDS + (-delta >> 5)] |= 1 << (-delta & 31);
    }
  }

  #find(ssrc: number): number {
    const ids = this.#ssrc;
    for (let i = 0; i < this.#count; i++) if (ids[i] === ssrc) return i;
    return -1;
  }

  /** A fresh stream at index 0 (libsrtp's rdbx_init), replacing the least recent if full. */
  #add(ssrc: number): number {
    let slot = this.#count;
    if (slot < SRTP_MAX_SSRCS) this.#count++;
    else {
      slot = 0;
      for (let i = 1; i < SRTP_MAX_SSRCS; i++) if (this.#used[i] < this.#used[slot]) slot = i;
    }
    this.#ssrc[slot] = ssrc;
    this.#roc[slot] = 0;
    this.#seq[slot] = 0;
    this.#window.fill(0, slot * WINDOW_WORDS, (slot + 1) * WINDOW_WORDS);
    return slot;
  }

  /** Moves the window of `slot` forward by `n` packets (bit k becomes bit k + n). */
  #shift(slot: number, n: number): void {
    const w = this.#window, base = slot * WINDOW_WORDS;
    const words = n >> 5, bits = n & 31;
    for (let i = WINDOW_WORDS - 1; i >= 0; i--) {
      const src = i - words;
      let v = 0;
      if (src >= 0) {
        v = w[base + src] << bits;
        if (bits && src > 0) v |= w[base + src - 1] >>> (32 - bits);
      }
      w[base + i] = v;
    }
  }
}
