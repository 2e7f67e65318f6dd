/**
 * Ogg Opus identification and comment headers (RFC 7845 §5.1 OpusHead, §5.2 OpusTags).
 */

const HEAD_MAGIC = "OpusHead";
const TAGS_MAGIC = "OpusTags";
const text = new TextEncoder();
const untext = new TextDecoder("utf-8", { fatal: true });

/**
 * Channel mapping family 1 (RFC 7845 §5.1.1.2): `streams` elementary Opus streams,
 * the first `coupled` of them stereo, and `table[c]` the decoded channel that output
 * channel `c` takes (255 = silence).
 */
export interface OpusChannelMapping {
  family: 1;
  streams: number;
  coupled: number;
  table: number[];
}

/**
 * Two uncoupled mono streams, stream i on channel i. For two call parties: no
 * inter-channel coding, so no bitrate can leak one party into the other's channel.
 */
export const DUAL_MONO: OpusChannelMapping = Object.freeze({
  family: 1,
  streams: 2,
  coupled: 0,
  table: Object.freeze([0, 1]) as number[],
});

/** Fields of an OpusHead packet; without `mapping` it is family 0 (RFC 7845 §5.1.1.1). */
export interface OpusHead {
  channels: 1 | 2;
  /** Samples at 48 kHz to discard from the decoder output at the start. */
  preSkip: number;
  /** Sample rate of the original input (informational). */
  inputSampleRate: number;
  /** Output gain in Q7.8 dB. */
  outputGain: number;
  mapping?: OpusChannelMapping;
}

/** Elementary streams of a head: family 0 is one stream, coupled when stereo. */
export function opusStreams(
  head: { channels: 1 | 2; mapping?: OpusChannelMapping | null },
): {
  streams: number;
  coupled: number;
  table: number[];
} {
  if (head.mapping) return head.mapping;
  return { streams: 1, coupled: head.channels - 1, table: head.channels === 2 ? [0, 1] : [0] };
}

/*
 * RFC 7845 §5.1:
 *  'O' 'p' 'u' 's' 'H' 'e' 'a' 'd' | version=1 | channel count | pre-skip (u16 LE)
 *  input sample rate (u32 LE) | output gain (s16 LE) | mapping family
 *  family 1 only: stream count | coupled count | channel mapping (channel count bytes)
 */
const FAMILY_OFFSET = 18;

/** Serialize an OpusHead packet (19 bytes for family 0, 21 + channels for family 1). */
export function encodeOpusHead(head: OpusHead): Uint8Array {
  const m = head.mapping;
  const out = new Uint8Array(m ? 21 + head.channels : 19);
  const view = new DataView(out.buffer);
  out.set(text.encode(HEAD_MAGIC));
  view.setUint8(8, 1);
  view.setUint8(9, head.channels);
  view.setUint16(10, head.preSkip, true);
  view.setUint32(12, head.inputSampleRate, true);
  view.setInt16(16, head.outputGain, true);
  view.setUint8(FAMILY_OFFSET, m ? m.family : 0);
  if (m) {
    if (m.table.length !== head.channels) {
      throw new RangeError(`OpusHead mapping has "${m.table.length}" entries, expected channels`);
    }
    out[19] = m.streams;
    out[20] = m.coupled;
    out.set(m.table, 21);
  }
  return out;
}

/** Parse an OpusHead packet. Throws RangeError when short, SyntaxError when not OpusHead. */
export function parseOpusHead(buf: Uint8Array): OpusHead {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 19) throw new RangeError(`Cannot parse OpusHead: "${buf.length}" bytes`);
  if (String.fromCharCode(...buf.subarray(0, 8)) !== HEAD_MAGIC) {
    throw new SyntaxError("Cannot parse OpusHead: magic signature is missing");
  }
  const version = view.getUint8(8);
  if (version >> 4 !== 0) throw new SyntaxError(`Cannot parse OpusHead: version is "${version}"`);
  const channels = view.getUint8(9);
  if (channels !== 1 && channels !== 2) {
    throw new SyntaxError(`Cannot parse OpusHead: channel count "${channels}" is unsupported`);
  }
  const head: OpusHead = {
    channels,
    preSkip: view.getUint16(10, true),
    inputSampleRate: view.getUint32(12, true),
    outputGain: view.getInt16(16, true),
  };
  const family = view.getUint8(FAMILY_OFFSET);
  if (family === 0) return head;
  if (family !== 1) {
    throw new SyntaxError(`Cannot parse OpusHead: mapping family "${family}" is unsupported`);
  }
  if (buf.length < 21 + channels) {
    throw new RangeError(`Cannot parse OpusHead: family 1 header of "${buf.length}" bytes`);
  }
  const streams = buf[19], coupled = buf[20];
  const table = [...buf.subarray(21, 21 + channels)];
  if (streams < 1 || coupled > streams || streams + coupled > 255) {
    throw new SyntaxError(
      `Cannot parse OpusHead: "${streams}" streams with "${coupled}" coupled`,
    );
  }
  const bad = table.find((t) => t !== 255 && t >= streams + coupled);
  if (bad !== undefined) {
    throw new SyntaxError(`Cannot parse OpusHead: channel mapping entry "${bad}" is out of range`);
  }
  return { ...head, mapping: { family: 1, streams, coupled, table } };
}

/** Fields of an OpusTags packet; comments are `KEY=value` strings (§5.2). */
export interface OpusTags {
  vendor: string;
  comments: string[];
}

/** Serialize an OpusTags packet. */
export function encodeOpusTags(tags: OpusTags): Uint8Array {
  const vendor = text.encode(tags.vendor);
  const comments = tags.comments.map((c) => text.encode(c));
  const size = 8 + 4 + vendor.length + 4 + comments.reduce((a, c) => a + 4 + c.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(text.encode(TAGS_MAGIC));
  let o = 8;
  view.setUint32(o, vendor.length, true);
  out.set(vendor, o + 4);
  o += 4 + vendor.length;
  view.setUint32(o, comments.length, true);
  o += 4;
  for (const c of comments) {
    view.setUint32(o, c.length, true);
    out.set(c, o + 4);
    o += 4 + c.length;
  }
  return out;
}

/** Parse an OpusTags packet. Throws RangeError when a length runs past the end. */
export function parseOpusTags(buf: Uint8Array): OpusTags {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 16) throw new RangeError(`Cannot parse OpusTags: "${buf.length}" bytes`);
  if (String.fromCharCode(...buf.subarray(0, 8)) !== TAGS_MAGIC) {
    throw new SyntaxError("Cannot parse OpusTags: magic signature is missing");
  }
  let o = 8;
  const readString = (): string => {
    if (o + 4 > buf.length) throw new RangeError("Cannot parse OpusTags: length is truncated");
    const n = view.getUint32(o, true);
    if (o + 4 + n > buf.length) {
      throw new RangeError(`Cannot parse OpusTags: string of "${n}" bytes`);
    }
    const s = untext.decode(buf.subarray(o + 4, o + 4 + n));
    o += 4 + n;
    return s;
  };
  const vendor = readString();
  if (o + 4 > buf.length) throw new RangeError("Cannot parse OpusTags: comment count is truncated");
  const count = view.getUint32(o, true);
  o += 4;
  const comments: string[] = [];
  for (let i = 0; i < count; i++) comments.push(readString());
  return { vendor, comments };
}

/** Build a `KEY=value` comment; keys are ASCII 0x20–0x7d without "=" (§5.2). */
export function opusComment(key: string, value: string): string {
  if (!/^[\x20-\x3c\x3e-\x7d]+$/.test(key)) {
    throw new TypeError(`Opus comment key "${key}" is invalid`);
  }
  return `${key.toUpperCase()}=${value}`;
}
