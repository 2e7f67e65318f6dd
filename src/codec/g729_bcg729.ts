/**
 * The adapter to Debian's libbcg729 (package libbcg729-0), an ITU-T G.729 Annex A decoder
 * with Annex B comfort noise, through Deno FFI. Per packet it is synchronous calls on
 * buffers whose pointers were taken once: no allocation, no promise.
 *
 *   bcg729DecoderChannelContextStruct *initBcg729DecoderChannel(void);
 *   void bcg729Decoder(bcg729DecoderChannelContextStruct *ctx, const uint8_t bitStream[],
 *     uint8_t bitStreamLength, uint8_t frameErasureFlag, uint8_t SIDFrameFlag,
 *     uint8_t rfc3389PayloadFlag, int16_t signal[]);       (80 samples out)
 *   void closeBcg729DecoderChannel(bcg729DecoderChannelContextStruct *ctx);
 *
 * Erasure (G.729 §4.4, Annex B §B.27): with frameErasureFlag and no bit stream, the decoder
 * conceals from the last speech frame, or carries on comfort noise after a SID frame.
 */
import { G729_FRAME_BYTES, G729_FRAME_SAMPLES, G729_SID_BYTES } from "./g729.ts";

/** The shared object's soname (Debian package libbcg729-0). */
export const LIBBCG729_SONAME = "libbcg729.so.0";

const SYMBOLS = {
  initBcg729DecoderChannel: { parameters: [], result: "pointer" },
  bcg729Decoder: {
    parameters: ["pointer", "pointer", "u8", "u8", "u8", "u8", "pointer"],
    result: "void",
  },
  closeBcg729DecoderChannel: { parameters: ["pointer"], result: "void" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let lib: Lib | null = null;

/** Opens libbcg729 once per process (worker); throws naming the library and package. */
export function loadLibBcg729(): Lib {
  if (lib) return lib;
  try {
    lib = Deno.dlopen(LIBBCG729_SONAME, SYMBOLS).symbols;
  } catch (err) {
    throw new Error(
      `Cannot load ${LIBBCG729_SONAME} (Debian package libbcg729-0) for G.729: ${
        (err as Error).message
      }`,
    );
  }
  return lib;
}

/** One bcg729 decoder channel: a stream's G.729 payloads to 8 kHz PCM. */
export class Bcg729Decoder {
  #lib: Lib;
  #ctx: Deno.PointerValue;
  #bits = new Uint8Array(G729_FRAME_BYTES);
  #signal = new Int16Array(G729_FRAME_SAMPLES);
  #bitsPtr: Deno.PointerValue;
  #signalPtr: Deno.PointerValue;
  /** Frames decoded as speech, as SID, and concealed. */
  speechFrames = 0;
  sidFrames = 0;
  erasedFrames = 0;

  constructor() {
    this.#lib = loadLibBcg729();
    this.#ctx = this.#lib.initBcg729DecoderChannel();
    if (this.#ctx === null) throw new Error("Cannot create a bcg729 G.729 decoder channel");
    this.#bitsPtr = Deno.UnsafePointer.of(this.#bits);
    this.#signalPtr = Deno.UnsafePointer.of(this.#signal);
  }

  /**
   * Decodes one RTP payload (speech frames, then an optional SID frame) into `out`; returns
   * the samples written, or -1 when the length fits no framing or `out` is too short.
   */
  decode(payload: Uint8Array, out: Int16Array): number {
    // g729Framing()'s rule, inline: no object per packet.
    const rest = payload.length % G729_FRAME_BYTES;
    if ((rest !== 0 && rest !== G729_SID_BYTES) || this.#ctx === null) return -1;
    const speech = (payload.length - rest) / G729_FRAME_BYTES;
    const sid = rest === G729_SID_BYTES;
    const total = (speech + (sid ? 1 : 0)) * G729_FRAME_SAMPLES;
    if (total > out.length) return -1;
    let at = 0;
    for (let i = 0; i < speech; i++, at += G729_FRAME_SAMPLES) {
      const off = i * G729_FRAME_BYTES;
      for (let k = 0; k < G729_FRAME_BYTES; k++) this.#bits[k] = payload[off + k];
      this.#frame(G729_FRAME_BYTES, 0, 0, out, at);
      this.speechFrames++;
    }
    if (sid) {
      const off = speech * G729_FRAME_BYTES;
      this.#bits[0] = payload[off];
      this.#bits[1] = payload[off + 1];
      this.#frame(G729_SID_BYTES, 0, 1, out, at);
      this.sidFrames++;
    }
    return total;
  }

  /**
   * Conceals `samples` (at most `out.length`) in 10 ms frames: erasure concealment after
   * speech, comfort noise after a SID frame. A partial last frame advances the decoder by a
   * whole frame. Returns the samples written.
   */
  conceal(out: Int16Array, samples: number): number {
    const n = Math.max(0, Math.min(samples, out.length));
    if (this.#ctx === null) return 0;
    for (let at = 0; at < n; at += G729_FRAME_SAMPLES) {
      this.#lib.bcg729Decoder(this.#ctx, null, 0, 1, 0, 0, this.#signalPtr);
      const take = Math.min(G729_FRAME_SAMPLES, n - at);
      for (let i = 0; i < take; i++) out[at + i] = this.#signal[i];
      this.erasedFrames++;
    }
    return n;
  }

  #frame(bytes: number, erased: number, sid: number, out: Int16Array, at: number): void {
    this.#lib.bcg729Decoder(this.#ctx, this.#bitsPtr, bytes, erased, sid, 0, this.#signalPtr);
    out.set(this.#signal, at);
  }

  /** Closes the channel; later calls decode nothing (-1) and conceal nothing. */
  free(): void {
    if (this.#ctx === null) return;
    this.#lib.closeBcg729DecoderChannel(this.#ctx);
    this.#ctx = null;
  }
}
