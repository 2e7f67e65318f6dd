/**
 * The adapter to Debian's libspandsp2 G.722 decoder (spandsp/g722.h) through Deno FFI, for
 * comparison with the TypeScript decoder (g722.ts) and as an alternative behind
 * `PacketDecoderOptions.g722`. ITU-T G.722 64 kbit/s mode, 16 kHz output; one synchronous
 * call per packet on the caller's buffers (no allocation).
 *
 *   g722_decode_state_t *g722_decode_init(g722_decode_state_t *s, int rate, int options);
 *   int g722_decode(g722_decode_state_t *s, int16_t amp[], const uint8_t g722_data[], int len);
 *   int g722_decode_free(g722_decode_state_t *s);
 */

/** The shared object's soname (Debian package libspandsp2). */
export const LIBSPANDSP_SONAME = "libspandsp.so.2";

const SYMBOLS = {
  g722_decode_init: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  g722_decode: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
  g722_decode_free: { parameters: ["pointer"], result: "i32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let lib: Lib | null = null;

/** Opens libspandsp once per process (worker); throws naming the library and package. */
export function loadLibSpandsp(): Lib {
  if (lib) return lib;
  try {
    lib = Deno.dlopen(LIBSPANDSP_SONAME, SYMBOLS).symbols;
  } catch (err) {
    throw new Error(
      `Cannot load ${LIBSPANDSP_SONAME} (Debian package libspandsp2) for G.722: ${
        (err as Error).message
      }`,
    );
  }
  return lib;
}

/** One spandsp G.722 decoder (64 kbit/s, 16 kHz output, unpacked bytes). */
export class SpandspG722Decoder {
  #lib: Lib;
  #state: Deno.PointerValue;

  constructor() {
    this.#lib = loadLibSpandsp();
    // rate 64000; options 0: 16 kHz output (not G722_SAMPLE_RATE_8000), one code per byte.
    this.#state = this.#lib.g722_decode_init(null, 64000, 0);
    if (this.#state === null) throw new Error("Cannot create a spandsp G.722 decoder");
  }

  /** Decodes `src` into `dst` (which must hold 2 × src.length); returns samples written. */
  decode(src: Uint8Array, dst: Int16Array): number {
    if (this.#state === null || dst.length < 2 * src.length) return -1;
    return this.#lib.g722_decode(this.#state, dst, src, src.length);
  }

  /** Frees the native state; later calls to decode() return -1. */
  free(): void {
    if (this.#state === null) return;
    this.#lib.g722_decode_free(this.#state);
    this.#state = null;
  }
}
