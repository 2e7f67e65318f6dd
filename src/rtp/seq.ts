/**
 * Wrap-around arithmetic for RTP 16-bit sequence numbers and 32-bit timestamps
 * (RFC 3550 §5.1, extended sequence numbers as in Appendix A.1).
 */

const SEQ_MOD = 0x10000;
const SEQ_HALF = 0x8000;
const TS_MOD = 0x1_0000_0000;
const TS_HALF = 0x8000_0000;

/** Signed distance `a - b` between two 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return ((a - b + SEQ_HALF) & 0xffff) - SEQ_HALF;
}

/** True when sequence number `a` comes after `b` (modulo 2^16). */
export function seqNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** Signed distance `a - b` between two 32-bit timestamps, in [-2^31, 2^31 - 1]. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** True when timestamp `a` comes after `b` (modulo 2^32). */
export function tsNewer(a: number, b: number): boolean {
  return tsDiff(a, b) > 0;
}

/**
 * Extend a 16-bit sequence number to the extended value nearest to `reference`
 * (an extended sequence number: cycles × 2^16 + seq, RFC 3550 A.1).
 */
export function extendSeq(reference: number, seq: number): number {
  return reference + seqDiff(seq & 0xffff, ((reference % SEQ_MOD) + SEQ_MOD) % SEQ_MOD);
}

/** Extend a 32-bit timestamp to the extended (unwrapped) value nearest to `reference`. */
export function extendTimestamp(reference: number, ts: number): number {
  const low = ((reference % TS_MOD) + TS_MOD) % TS_MOD;
  const d = ((ts >>> 0) - low + TS_HALF + TS_MOD) % TS_MOD - TS_HALF;
  return reference + d;
}
