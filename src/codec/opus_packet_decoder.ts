/**
 * Opus behind {@link PacketDecoder} (RFC 7587): RTP clock 48000 whatever the audio rate
 * (§4.1), mono output at the rate asked for. libopus through FFI (opus_ffi.ts) when Debian's
 * libopus0 is there: allocation-free, with loss concealment. Else the `@evan/opus` addon
 * the box already ships: it allocates its output per packet and has no concealment (silence).
 */
import type { PacketDecoder } from "./packet_decoder.ts";
import { LibopusDecoder } from "./opus_ffi.ts";
import { type AddonDecoder, loadBestOpusAddon } from "./opus_addon.ts";

/** Which libopus build decodes. */
export type OpusDecodeBackend = "ffi" | "addon";

/** Opus RTP payloads to mono int16 PCM at `sampleRate`. */
export class OpusPacketDecoder implements PacketDecoder {
  readonly codec = "opus";
  readonly clockRate = 48000;
  readonly sampleRate: number;
  /** 120 ms, the longest Opus packet (RFC 6716 §3.2.5). */
  readonly maxSamples: number;
  readonly backend: OpusDecodeBackend;
  #ffi: LibopusDecoder | null;
  #addon: AddonDecoder | null;

  private constructor(rate: number, ffi: LibopusDecoder | null, addon: AddonDecoder | null) {
    this.sampleRate = rate;
    this.maxSamples = (rate * 120) / 1000;
    this.#ffi = ffi;
    this.#addon = addon;
    this.backend = ffi ? "ffi" : "addon";
  }

  /** A decoder at `rate`; `prefer` "addon" skips libopus (for comparison in the bench). */
  static async create(rate: number, prefer: "auto" | OpusDecodeBackend = "auto") {
    if (prefer !== "addon") {
      try {
        return new OpusPacketDecoder(rate, new LibopusDecoder(rate), null);
      } catch (err) {
        if (prefer === "ffi") throw err;
      }
    }
    // This thread's own copy of the addon (opus_addon.ts), else its WASM build.
    const { Decoder } = (await loadBestOpusAddon()).addon;
    return new OpusPacketDecoder(rate, null, new Decoder({ channels: 1, sample_rate: rate }));
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    if (this.#ffi) return this.#ffi.decode(payload, out);
    if (!this.#addon || payload.length === 0) return -1;
    let bytes: Uint8Array;
    try {
      bytes = this.#addon.decode(payload);
    } catch {
      return -1;
    }
    const n = bytes.byteLength >> 1;
    if (n > out.length) return -1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
    return n;
  }

  conceal(out: Int16Array, samples: number): number {
    if (this.#ffi) return this.#ffi.conceal(out, samples);
    const n = Math.max(0, Math.min(samples, out.length));
    out.fill(0, 0, n);
    return n;
  }

  free(): void {
    this.#ffi?.free();
    this.#ffi = null;
    this.#addon = null;
  }
}
