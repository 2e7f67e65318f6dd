/**
 * RIFF/WAVE headers for PCM16 and G.711 (WAVE_FORMAT_ALAW 6, WAVE_FORMAT_MULAW 7) with a
 * fixed-length header so a recorder can write data first and fix the sizes up later.
 * Layout per the Microsoft RIFF/WAVE specification (non-PCM formats carry a `fact` chunk).
 */

/** Sample encodings this module writes. */
export type WavFormat = "pcm16" | "mulaw" | "alaw";

/** Stream parameters of a WAV file. */
export interface WavParams {
  format: WavFormat;
  channels: number;
  sampleRate: number;
}

/** Parsed header plus the data chunk view. */
export interface WavFile extends WavParams {
  dataOffset: number;
  data: Uint8Array;
  /** Frames (samples per channel) in `data`. */
  frames: number;
}

const FORMAT_TAG: Record<WavFormat, number> = { pcm16: 1, alaw: 6, mulaw: 7 };
const TAG_FORMAT = new Map<number, WavFormat>([[1, "pcm16"], [6, "alaw"], [7, "mulaw"]]);

/** Bytes per sample of one channel. */
export function wavBytesPerSample(format: WavFormat): number {
  return format === "pcm16" ? 2 : 1;
}

/** Header length {@link encodeWavHeader} produces: 44 for PCM, 58 for G.711. */
export function wavHeaderLength(format: WavFormat): number {
  return format === "pcm16" ? 44 : 58;
}

/** Build a header for `dataBytes` bytes of sample data. */
export function encodeWavHeader(p: WavParams & { dataBytes: number }): Uint8Array {
  const g711 = p.format !== "pcm16";
  const out = new Uint8Array(wavHeaderLength(p.format));
  const view = new DataView(out.buffer);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(o + i, s.charCodeAt(i));
  };
  const blockAlign = p.channels * wavBytesPerSample(p.format);
  ascii(0, "RIFF");
  view.setUint32(4, out.length - 8 + p.dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, g711 ? 18 : 16, true);
  view.setUint16(20, FORMAT_TAG[p.format], true);
  view.setUint16(22, p.channels, true);
  view.setUint32(24, p.sampleRate, true);
  view.setUint32(28, p.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, wavBytesPerSample(p.format) * 8, true);
  let o = 36;
  if (g711) {
    view.setUint16(36, 0, true); // cbSize
    ascii(38, "fact");
    view.setUint32(42, 4, true);
    view.setUint32(46, Math.floor(p.dataBytes / blockAlign), true);
    o = 50;
  }
  ascii(o, "data");
  view.setUint32(o + 4, p.dataBytes, true);
  return out;
}

/**
 * Parse a WAV file's chunks. A data size past the end of the buffer (a file cut short)
 * is clamped to the bytes present, rounded down to whole frames; with `toEnd` the data
 * chunk runs to the end of the buffer whatever its header says (an unfinished file
 * whose size fields are still zero). Throws SyntaxError
 * when not RIFF/WAVE or the format is unsupported, RangeError when a chunk is cut.
 */
export function parseWav(buf: Uint8Array, opts: { toEnd?: boolean } = {}): WavFile {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ascii = (o: number) => String.fromCharCode(...buf.subarray(o, o + 4));
  if (buf.length < 12 || ascii(0) !== "RIFF" || ascii(8) !== "WAVE") {
    throw new SyntaxError("Cannot parse WAV: RIFF/WAVE signature is missing");
  }
  let params: WavParams | null = null;
  let o = 12;
  while (o + 8 <= buf.length) {
    const id = ascii(o);
    const size = view.getUint32(o + 4, true);
    if (id === "fmt ") {
      if (o + 8 + 16 > buf.length) throw new RangeError("Cannot parse WAV: fmt chunk is truncated");
      const tag = view.getUint16(o + 8, true);
      const format = TAG_FORMAT.get(tag);
      if (!format) throw new SyntaxError(`Cannot parse WAV: format tag "${tag}" is unsupported`);
      params = {
        format,
        channels: view.getUint16(o + 10, true),
        sampleRate: view.getUint32(o + 12, true),
      };
    } else if (id === "data") {
      if (!params) throw new SyntaxError("Cannot parse WAV: data chunk before fmt chunk");
      const blockAlign = params.channels * wavBytesPerSample(params.format);
      const available = opts.toEnd ? buf.length - o - 8 : Math.min(size, buf.length - o - 8);
      const bytes = available - (available % blockAlign);
      return {
        ...params,
        dataOffset: o + 8,
        data: buf.subarray(o + 8, o + 8 + bytes),
        frames: bytes / blockAlign,
      };
    }
    o += 8 + size + (size & 1);
  }
  throw new RangeError("Cannot parse WAV: data chunk is missing");
}

/** A complete WAV file in memory (e.g. for a download route). */
export function encodeWav(p: WavParams, data: Uint8Array): Uint8Array {
  const header = encodeWavHeader({ ...p, dataBytes: data.length });
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Interleaved Int16 PCM as little-endian bytes (a copy on big-endian hosts only). */
export function pcm16Bytes(pcm: Int16Array): Uint8Array {
  return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}
