/**
 * Deterministic sampling: the draw for a call and a rule is a pure function of the call
 * key, the rule id and a salt, so a re-INVITE, a metadata update or a transfer of the
 * same call re-evaluates to the same answer.
 *
 * @module
 */
import { createHash } from "node:crypto";

const TWO_POW_53 = 2 ** 53;

/**
 * Draws a number uniform in [0, 100) from SHA-256 of `[callKey, ruleId, salt]` (JSON
 * encoded, so no choice of strings can collide). The top 53 bits of the digest become
 * the fraction. A rule with `sample: p` takes the call when `draw < p`.
 */
export function sampleDraw(callKey: string, ruleId: string, salt: string): number {
  const digest = createHash("sha256").update(JSON.stringify([callKey, ruleId, salt])).digest();
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const hi = view.getUint32(0); // top 32 bits
  const lo = view.getUint32(4) >>> 11; // next 21 bits
  return ((hi * 2 ** 21 + lo) / TWO_POW_53) * 100;
}

/** Whether a draw falls inside a sample percentage (0 never, 100 always). */
export function sampled(draw: number, percent: number): boolean {
  return draw < percent;
}
