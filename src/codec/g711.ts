/**
 * G.711 µ-law (PCMU) and A-law (PCMA) per ITU-T G.711, table driven both ways.
 * Decoding uses 256-entry tables; encoding uses 64 Ki-entry tables indexed by the
 * 16-bit sample, built once on first use.
 */

function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return v & 0x80 ? 0x84 - t : t - 0x84;
}

function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t += seg === 0 ? 8 : 0x108;
  if (seg > 1) t <<= seg - 1;
  return v & 0x80 ? t : -t;
}

const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]) return i;
  return ends.length;
}

// Encoders as in the ITU-T G.191 reference: truncate to 14 (µ) or 13 (A) bits, then
// find the segment.
function linearToUlaw(pcm: number): number {
  let v = pcm >> 2;
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  v = Math.min(v, 8159) + 0x21;
  const seg = segment(v, ULAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

function linearToAlaw(pcm: number): number {
  let v = pcm >> 3;
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, ALAW_SEG_END);
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

/** µ-law byte → 16-bit linear sample. */
export const ULAW_DECODE_TABLE: Int16Array = Int16Array.from(
  { length: 256 },
  (_, i) => ulawToLinear(i),
);
/** A-law byte → 16-bit linear sample. */
export const ALAW_DECODE_TABLE: Int16Array = Int16Array.from(
  { length: 256 },
  (_, i) => alawToLinear(i),
);

let ulawEncodeTable: Uint8Array | undefined;
let alawEncodeTable: Uint8Array | undefined;

function encodeTable(fn: (pcm: number) => number): Uint8Array {
  const table = new Uint8Array(0x10000);
  for (let i = 0; i < 0x10000; i++) table[i] = fn((i << 16) >> 16);
  return table;
}

function checkDestination(name: string, need: number, dst: { length: number }): void {
  if (dst.length < need) {
    throw new RangeError(`Cannot ${name}: destination holds "${dst.length}" of ${need} samples`);
  }
}

/**
 * Decode G.711 bytes into 16-bit samples. Writes into `dst` when given (it must hold
 * `src.length` samples) and returns the written view; allocates otherwise.
 */
export function decodeG711(
  law: "pcmu" | "pcma",
  src: Uint8Array,
  dst: Int16Array = new Int16Array(src.length),
): Int16Array {
  checkDestination("decode G.711", src.length, dst);
  const table = law === "pcmu" ? ULAW_DECODE_TABLE : ALAW_DECODE_TABLE;
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
  return dst.subarray(0, src.length);
}

/** Encode 16-bit samples as G.711 bytes (for tests and the load client). */
export function encodeG711(
  law: "pcmu" | "pcma",
  src: Int16Array,
  dst: Uint8Array = new Uint8Array(src.length),
): Uint8Array {
  checkDestination("encode G.711", src.length, dst);
  const table = law === "pcmu"
    ? (ulawEncodeTable ??= encodeTable(linearToUlaw))
    : (alawEncodeTable ??= encodeTable(linearToAlaw));
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i] & 0xffff];
  return dst.subarray(0, src.length);
}

/** RTP static payload types (RFC 3551 §6): 0 = PCMU, 8 = PCMA. */
export function g711LawForPayloadType(pt: number): "pcmu" | "pcma" | null {
  return pt === 0 ? "pcmu" : pt === 8 ? "pcma" : null;
}

/** Byte that encodes digital silence: 0xff for µ-law, 0xd5 for A-law. */
export function g711SilenceByte(law: "pcmu" | "pcma"): number {
  return law === "pcmu" ? 0xff : 0xd5;
}
