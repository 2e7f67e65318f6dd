/**
 * The adapter to Debian's libopus (package libopus0, in the box image) through Deno FFI, for
 * the capture path: one mono decoder per stream at the rate asked for (RFC 6716 §4; libopus
 * resamples internally), packet loss concealment (RFC 6716 §4.4) by decoding a NULL packet.
 * Per packet: one synchronous call on the caller's buffers, no allocation.
 *
 *   OpusDecoder *opus_decoder_create(opus_int32 Fs, int channels, int *error);
 *   int opus_decode(OpusDecoder *st, const unsigned char *data, opus_int32 len,
 *     opus_int16 *pcm, int frame_size, int decode_fec);   (samples per channel, or < 0)
 *   void opus_decoder_destroy(OpusDecoder *st);
 */

/** The shared object's soname (Debian package libopus0). */
export const LIBOPUS_SONAME = "libopus.so.0";

const SYMBOLS = {
  opus_decoder_create: { parameters: ["i32", "i32", "buffer"], result: "pointer" },
  opus_decode: { parameters: ["pointer", "buffer", "i32", "buffer", "i32", "i32"], result: "i32" },
  opus_decoder_destroy: { parameters: ["pointer"], result: "void" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let lib: Lib | null = null;

/** Opens libopus once per process (worker); throws naming the library and package. */
export function loadLibOpus(): Lib {
  if (lib) return lib;
  try {
    lib = Deno.dlopen(LIBOPUS_SONAME, SYMBOLS).symbols;
  } catch (err) {
    throw new Error(
      `Cannot load ${LIBOPUS_SONAME} (Debian package libopus0) for Opus: ${(err as Error).message}`,
    );
  }
  return lib;
}

/** One libopus mono decoder at `sampleRate` (8000, 12000, 16000, 24000 or 48000). */
export class LibopusDecoder {
  readonly sampleRate: number;
  #lib: Lib;
  #st: Deno.PointerValue;
  /** Samples per 2.5 ms, the unit of concealment (RFC 6716 §2.1.4). */
  #unit: number;
  /** 120 ms of concealment, the most one opus_decode() call writes. */
  #plcBuf: Int16Array;

  constructor(sampleRate: number) {
    this.#lib = loadLibOpus();
    const err = new Int32Array(1);
    this.#st = this.#lib.opus_decoder_create(sampleRate, 1, err);
    if (this.#st === null || err[0] !== 0) {
      throw new RangeError(`Cannot create a libopus decoder at ${sampleRate} Hz: error ${err[0]}`);
    }
    this.sampleRate = sampleRate;
    this.#unit = sampleRate / 400;
    this.#plcBuf = new Int16Array(this.#unit * 48);
  }

  /** Decodes one packet into `out`; samples written, or -1 (bad packet, `out` too short). */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (this.#st === null || payload.length === 0) return -1;
    const n = this.#lib.opus_decode(this.#st, payload, payload.length, out, out.length, 0);
    return n < 0 ? -1 : n;
  }

  /**
   * Conceals `samples` (at most `out.length`): libopus PLC in whole 2.5 ms units, up to
   * 120 ms per call; a remainder shorter than 2.5 ms is silence. Returns samples written.
   */
  conceal(out: Int16Array, samples: number): number {
    const n = Math.max(0, Math.min(samples, out.length));
    let at = 0;
    if (this.#st !== null) {
      const maxChunk = this.#unit * 48;
      while (n - at >= this.#unit) {
        const want = Math.min(maxChunk, Math.floor((n - at) / this.#unit) * this.#unit);
        const got = this.#plc(out, at, want);
        if (got <= 0) break;
        at += got;
      }
    }
    out.fill(0, at, n);
    return n;
  }

  /** A null packet asks libopus for concealment (opus_decode, data NULL). */
  #plc(out: Int16Array, at: number, want: number): number {
    const buf = this.#plcBuf;
    const got = this.#lib.opus_decode(this.#st, null, 0, buf, want, 0);
    for (let i = 0; i < got; i++) out[at + i] = buf[i];
    return got;
  }

  /** Destroys the decoder; later calls decode nothing (-1) and conceal with silence. */
  free(): void {
    if (this.#st === null) return;
    this.#lib.opus_decoder_destroy(this.#st);
    this.#st = null;
  }
}
