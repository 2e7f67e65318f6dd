/**
 * Opus packet framing (RFC 6716 §3.2) and multistream packets (RFC 6716 Appendix B,
 * RFC 7845 §5.1.1): splitting a packet into its frames, re-framing it self-delimited,
 * and joining one packet per elementary stream into a multistream packet.
 *
 *   TOC byte:  | config (5) | s (1) | c (2) |   c = frame count code 0..3
 *   code 3:    | TOC | v p M(6) | [padding length…] | [N1 … N(M-1) when v] | frames | pad |
 */

import { concat } from "./ogg.ts";

const CODE_MASK = 0x03;
const STEREO_BIT = 0x04;
const VBR_BIT = 0x80;
const PADDING_BIT = 0x40;
const COUNT_MASK = 0x3f;
/** Largest Opus frame in bytes (§3.2.1). */
const MAX_FRAME_BYTES = 1275;

/** An Opus packet split into its TOC byte and frames (views into the packet). */
export interface OpusFrames {
  toc: number;
  frames: Uint8Array[];
}

/** Read a frame length (§3.2.1); returns [length, bytes used]. */
function readLength(p: Uint8Array, o: number): [number, number] {
  if (o >= p.length) throw new RangeError("Cannot parse Opus packet: frame length is truncated");
  const b0 = p[o];
  if (b0 < 252) return [b0, 1];
  if (o + 1 >= p.length) {
    throw new RangeError("Cannot parse Opus packet: frame length is truncated");
  }
  return [b0 + 4 * p[o + 1], 2];
}

function lengthBytes(n: number): number[] {
  if (n < 252) return [n];
  const b0 = 252 + (n & 3);
  return [b0, (n - b0) >> 2];
}

/** Split an undelimited Opus packet into frames. Throws RangeError when malformed. */
export function opusFrames(p: Uint8Array): OpusFrames {
  if (p.length < 1) throw new RangeError("Cannot parse Opus packet: packet is empty");
  const toc = p[0];
  const code = toc & CODE_MASK;
  const check = (frames: Uint8Array[]): OpusFrames => {
    for (const f of frames) {
      if (f.length > MAX_FRAME_BYTES) {
        throw new RangeError(`Cannot parse Opus packet: frame of "${f.length}" bytes`);
      }
    }
    return { toc, frames };
  };
  if (code === 0) return check([p.subarray(1)]);
  if (code === 1) {
    const n = p.length - 1;
    if (n % 2) throw new RangeError(`Cannot parse Opus packet: code 1 payload of "${n}" bytes`);
    return check([p.subarray(1, 1 + n / 2), p.subarray(1 + n / 2)]);
  }
  if (code === 2) {
    const [n1, used] = readLength(p, 1);
    const start = 1 + used;
    if (start + n1 > p.length) {
      throw new RangeError(`Cannot parse Opus packet: first frame of "${n1}" bytes`);
    }
    return check([p.subarray(start, start + n1), p.subarray(start + n1)]);
  }
  if (p.length < 2) throw new RangeError("Cannot parse Opus packet: frame count is missing");
  const vbr = (p[1] & VBR_BIT) !== 0;
  const count = p[1] & COUNT_MASK;
  if (count === 0) throw new RangeError("Cannot parse Opus packet: frame count is 0");
  let o = 2;
  let padding = 0;
  if (p[1] & PADDING_BIT) {
    for (;;) {
      if (o >= p.length) throw new RangeError("Cannot parse Opus packet: padding is truncated");
      const b = p[o++];
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  const sizes: number[] = [];
  if (vbr) {
    for (let i = 0; i < count - 1; i++) {
      const [n, used] = readLength(p, o);
      sizes.push(n);
      o += used;
    }
  }
  const data = p.length - o - padding;
  if (data < 0) throw new RangeError(`Cannot parse Opus packet: padding of "${padding}" bytes`);
  if (vbr) {
    const last = data - sizes.reduce((a, n) => a + n, 0);
    if (last < 0) throw new RangeError("Cannot parse Opus packet: frame lengths exceed packet");
    sizes.push(last);
  } else {
    if (data % count) {
      throw new RangeError(`Cannot parse Opus packet: "${data}" bytes for ${count} CBR frames`);
    }
    for (let i = 0; i < count; i++) sizes.push(data / count);
  }
  const frames = sizes.map((n) => {
    const f = p.subarray(o, o + n);
    o += n;
    return f;
  });
  return check(frames);
}

/**
 * Re-frame a packet in self-delimiting framing (RFC 6716 Appendix B): the length of
 * the last frame is coded too, so the packet can be followed by another. Padding is
 * dropped; frame data and TOC configuration are kept.
 */
export function selfDelimited(p: Uint8Array): Uint8Array {
  const { toc, frames } = opusFrames(p);
  const config = toc & ~CODE_MASK;
  const out: number[] = [];
  const sizes = frames.map((f) => f.length);
  if (frames.length === 1) {
    out.push(config | 0, ...lengthBytes(sizes[0]));
  } else if (frames.length === 2 && sizes[0] === sizes[1]) {
    out.push(config | 1, ...lengthBytes(sizes[0]));
  } else if (frames.length === 2) {
    out.push(config | 2, ...lengthBytes(sizes[0]), ...lengthBytes(sizes[1]));
  } else {
    out.push(config | 3, VBR_BIT | frames.length);
    for (const n of sizes) out.push(...lengthBytes(n));
  }
  return concat([Uint8Array.from(out), ...frames]);
}

/**
 * Join one packet per elementary stream into a multistream packet (RFC 7845 §5.1.1.1):
 * every stream but the last in self-delimiting framing, the last as it is.
 */
export function multistreamPacket(streams: Uint8Array[]): Uint8Array {
  if (streams.length === 0) throw new RangeError("Cannot build Opus multistream packet: no stream");
  return concat(streams.map((s, i) => i < streams.length - 1 ? selfDelimited(s) : s));
}

/**
 * An Opus packet that decodes as 20 ms of loss concealment: TOC only (code 0,
 * zero-length frame, §3.2.1) of CELT fullband 20 ms, per elementary stream.
 * `coupled` streams come first and carry the stereo bit (RFC 7845 §5.1.1).
 */
export function emptyOpusPacket(streams = 1, coupled = 0): Uint8Array {
  const toc = (stereo: boolean) => (31 << 3) | (stereo ? STEREO_BIT : 0);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < streams; i++) parts.push(Uint8Array.of(toc(i < coupled)));
  return multistreamPacket(parts);
}
