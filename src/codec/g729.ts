/**
 * G.729 RTP payload framing (RFC 3551 §4.5.6): "A G729 RTP packet may consist of zero or more
 * G.729 or G.729 Annex A frames, followed by zero or one G.729 Annex B frames. The presence
 * of a comfort noise frame can be deduced from the length of the RTP payload." Each speech
 * frame is 10 ms (80 samples at 8 kHz) in 10 octets; an Annex B SID frame is 2 octets.
 *
 *  +-------------+-------------+-----+-------------+-----------+
 *  | speech 1    | speech 2    | ... | speech N    | SID       |
 *  | 10 octets   | 10 octets   |     | 10 octets   | 2 octets  |  (SID: optional, last)
 *  +-------------+-------------+-----+-------------+-----------+
 *
 * Pure: no I/O. The frames are decoded by libbcg729 (g729_bcg729.ts).
 */

/** Octets of one G.729 / G.729A speech frame (ITU-T G.729 §3.9, 80 bits). */
export const G729_FRAME_BYTES = 10;
/** Octets of one G.729 Annex B SID frame (ITU-T G.729 Annex B §B.4.2, 15 bits + padding). */
export const G729_SID_BYTES = 2;
/** PCM samples per frame: 10 ms at 8 kHz. */
export const G729_FRAME_SAMPLES = 80;

/** What one payload holds. */
export interface G729Framing {
  /** Speech frames, at offsets 0, 10, 20, … */
  speech: number;
  /** An Annex B SID frame follows the speech frames (at offset 10 × speech). */
  sid: boolean;
}

/**
 * Splits a payload by its length (RFC 3551 §4.5.6); null when the length fits no framing
 * (a remainder other than 0 or 2 octets). An empty payload holds nothing. Never throws.
 */
export function g729Framing(payloadLength: number): G729Framing | null {
  if (!Number.isInteger(payloadLength) || payloadLength < 0) return null;
  const rest = payloadLength % G729_FRAME_BYTES;
  if (rest !== 0 && rest !== G729_SID_BYTES) return null;
  return { speech: (payloadLength - rest) / G729_FRAME_BYTES, sid: rest === G729_SID_BYTES };
}

/** PCM samples a payload of this framing decodes to. */
export function g729Samples(f: G729Framing): number {
  return (f.speech + (f.sid ? 1 : 0)) * G729_FRAME_SAMPLES;
}
