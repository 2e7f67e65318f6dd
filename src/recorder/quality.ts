/**
 * Estimated call quality per stream: the ITU-T G.107 E-model (the transmission rating R)
 * reduced to what a recorder sees of a stream — its codec, its packet loss and its
 * jitter — and the MOS that R maps to. Pure, no I/O.
 *
 * ```
 * R = Ro − Is − Id − Ie,eff + A          (G.107 §7.1, eq. 7-1)
 *   = 93.2 − Id − Ie,eff                 with every other parameter at its default
 *
 * Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)      (G.107 eq. 7-29)
 *
 * MOS = 1                                               R < 0
 *     = 1 + 0.035 R + R (R − 60)(100 − R) · 7·10⁻⁶       0 ≤ R ≤ 100   (G.107 Annex B)
 *     = 4.5                                             R > 100
 * ```
 *
 * Id is the delay impairment Idd of G.107 §7.4 (eq. 7-27) for the mouth-to-ear delay
 * estimated as the codec's frame and look-ahead delay plus the jitter buffer delay (two
 * times the RFC 3550 interarrival jitter, at least one packet); Idte and Idle at the
 * default echo loss are part of the 93.2. Loss is taken as random (BurstR = 1): the
 * recorder counts lost packets, not their bursts. Codec Ie and Bpl are those of
 * G.113 Appendix I.
 *
 * @module
 */

/** G.113 Appendix I equipment impairment of a codec. */
export interface CodecImpairment {
  /** Equipment impairment factor Ie. */
  ie: number;
  /** Packet-loss robustness factor Bpl. */
  bpl: number;
  /** Frame plus look-ahead delay, ms (part of the mouth-to-ear delay). */
  codecDelayMs: number;
}

/** R with every G.107 parameter at its default value (Ro − Is). */
export const DEFAULT_R = 93.2;

/**
 * G.113 Appendix I values. G.711 with packet loss concealment (G.711 Appendix I) has
 * Bpl 25.1, without it 4.3; G.729A with VAD has Ie 11 and Bpl 19.0.
 */
export const CODEC_IMPAIRMENTS = {
  "g711-plc": { ie: 0, bpl: 25.1, codecDelayMs: 20 },
  "g711": { ie: 0, bpl: 4.3, codecDelayMs: 20 },
  "g729a": { ie: 11, bpl: 19.0, codecDelayMs: 25 },
} as const satisfies Record<string, CodecImpairment>;

/** The impairment of an SDP codec name (rtpmap encoding), or null when G.113 has none. */
export function codecImpairment(codec: string, plc = true): CodecImpairment | null {
  switch (codec.toUpperCase()) {
    case "PCMU":
    case "PCMA":
    case "G711":
      return plc ? CODEC_IMPAIRMENTS["g711-plc"] : CODEC_IMPAIRMENTS.g711;
    case "G729":
    case "G729A":
      return CODEC_IMPAIRMENTS.g729a;
    default:
      return null;
  }
}

/** Effective equipment impairment for `ppl` percent random packet loss (eq. 7-29). */
export function effectiveIe(c: Pick<CodecImpairment, "ie" | "bpl">, ppl: number, burstR = 1) {
  const p = Math.max(0, Math.min(100, ppl));
  return c.ie + (95 - c.ie) * p / (p / burstR + c.bpl);
}

/** Delay impairment Idd for an absolute one-way delay `ta` in ms (G.107 eq. 7-27). */
export function delayImpairment(ta: number): number {
  if (!(ta > 100)) return 0;
  const x = Math.log10(ta / 100) / Math.log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** MOS (conversational quality, estimated) from R (G.107 Annex B, eq. B-4). */
export function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** What a stream's statistics give the estimate. */
export interface StreamQualityInput {
  /** SDP encoding name, e.g. "PCMA". */
  codec: string;
  /** Packets expected (RFC 3550 A.3) and lost. */
  expected: number;
  lost: number;
  /** RFC 3550 interarrival jitter in ms. */
  jitterMs: number;
  /** Packet duration in ms (default 20). */
  packetMs?: number;
  /** Whether the receiving endpoints conceal loss (default true). */
  plc?: boolean;
}

/** The estimate for one stream. */
export interface QualityEstimate {
  r: number;
  mos: number;
  /** Loss in percent, delay in ms and the impairments that came of them. */
  ppl: number;
  delayMs: number;
  id: number;
  ieEff: number;
}

/** The E-model estimate for a stream, or null for a codec without G.113 values. */
export function estimateQuality(s: StreamQualityInput): QualityEstimate | null {
  const c = codecImpairment(s.codec, s.plc ?? true);
  if (!c) return null;
  const ppl = s.expected > 0 ? Math.max(0, s.lost) / s.expected * 100 : 0;
  const packetMs = s.packetMs ?? 20;
  const jitterBufferMs = Math.max(packetMs, 2 * Math.max(0, s.jitterMs));
  const delayMs = c.codecDelayMs + jitterBufferMs;
  const id = delayImpairment(delayMs);
  const ieEff = effectiveIe(c, ppl);
  const r = DEFAULT_R - id - ieEff;
  return { r, mos: mosFromR(r), ppl, delayMs, id, ieEff };
}
