/**
 * One interface for every RTP audio decoder the capture path uses: G.711 (ITU-T G.711,
 * RFC 3551 §4.5.14), G.722 (ITU-T G.722, RFC 3551 §4.5.2), G.729 Annex A/B (ITU-T G.729,
 * RFC 3551 §4.5.6) and Opus (RFC 6716, RFC 7587). A decoder is made once per stream and
 * codec (async: it may load a library), then used synchronously per packet: `decode()`
 * writes mono int16 PCM at `sampleRate` into the caller's buffer, never throws and never
 * allocates per packet.
 *
 * RTP timestamps advance at `clockRate`, which is not always the audio rate: G.722 keeps
 * 8000 by RFC 3551's historical error while its audio is 16 kHz; Opus always uses 48000
 * (RFC 7587 §4.1) whatever rate it is decoded at. A timestamp `ts` is sample
 * `ts * sampleRate / clockRate` of the decoder's output.
 */
import { decodeG711 } from "./g711.ts";
import { G722Decoder } from "./g722.ts";
import { loadLibSpandsp, SpandspG722Decoder } from "./g722_spandsp.ts";
import { Bcg729Decoder, loadLibBcg729 } from "./g729_bcg729.ts";
import { loadLibOpus } from "./opus_ffi.ts";
import { OpusPacketDecoder } from "./opus_packet_decoder.ts";

/** Canonical codec names (SDP encoding names are case-insensitive, RFC 4566 §6). */
export type DecoderCodec = "PCMU" | "PCMA" | "G722" | "G729" | "opus";

/** A per-stream RTP payload decoder. */
export interface PacketDecoder {
  readonly codec: DecoderCodec;
  /** PCM rate the decoder writes (8000, 16000, …, 48000). */
  readonly sampleRate: number;
  /** RTP timestamp clock of the payload format (8000 for G.722, 48000 for Opus). */
  readonly clockRate: number;
  /** The most samples one `decode()` writes; an `out` this long never returns -1 for size. */
  readonly maxSamples: number;
  /**
   * Decodes one RTP payload into `out` (mono int16 at `sampleRate`); returns the samples
   * written, or -1 for a payload it cannot decode (malformed, or `out` too short).
   * Never throws, never allocates per packet.
   */
  decode(payload: Uint8Array, out: Int16Array): number;
  /**
   * Fills `samples` (at most `out.length`) of concealment after loss, or of comfort noise
   * after a SID frame (G.729 Annex B); returns the samples written. Codecs without
   * concealment write silence.
   */
  conceal(out: Int16Array, samples: number): number;
  /** Releases native state; the decoder must not be used afterwards. */
  free(): void;
}

/** How {@link createPacketDecoder} builds a decoder. */
export interface PacketDecoderOptions {
  /**
   * Opus only: decode at exactly this rate (8000, 12000, 16000, 24000 or 48000), e.g. the
   * recording's rate. Default: the stream's own rate ({@link opusStreamRate}) capped by
   * `maxRate`.
   */
  rate?: number;
  /** Cap on the default Opus rate (e.g. `recorder.maxSampleRate`); default 48000. */
  maxRate?: number;
  /**
   * G.722 implementation: `spandsp` (Debian libspandsp2 through FFI), `ts` (TypeScript), or
   * `auto` (default): spandsp when the library loads, else TypeScript. Both are bit-exact
   * with each other; spandsp costs about a third per packet (scripts/bench_codecs.ts).
   */
  g722?: "auto" | "ts" | "spandsp";
}

/** Rates libopus decodes at (RFC 6716 §2, opus_decoder_create). */
export const OPUS_RATES = [8000, 12000, 16000, 24000, 48000] as const;

/** Canonical name of an SDP encoding name we can decode, else null. */
export function decoderCodec(name: string): DecoderCodec | null {
  switch (name.toUpperCase()) {
    case "PCMU":
      return "PCMU";
    case "PCMA":
      return "PCMA";
    case "G722":
      return "G722";
    case "G729":
    case "G729A":
      return "G729";
    case "OPUS":
      return "opus";
    default:
      return null;
  }
}

/** Smallest libopus rate ≥ `hz` (48000 above that). */
function opusRateAtLeast(hz: number): number {
  for (const r of OPUS_RATES) if (r >= hz) return r;
  return 48000;
}

/** Largest libopus rate ≤ `hz` (8000 below that). */
function opusRateAtMost(hz: number): number {
  let best = 8000;
  for (const r of OPUS_RATES) if (r <= hz) best = r;
  return best;
}

function fmtpHz(fmtp: Record<string, string>, key: string): number {
  const v = Number(fmtp[key]);
  return Number.isInteger(v) && v >= 8000 && v <= 48000 ? v : 48000;
}

/**
 * The audio rate an Opus stream carries, from its fmtp (RFC 7587 §6.1, §7): the smaller of
 * `maxplaybackrate` and `sprop-maxcapturerate` (absent or invalid = 48000), rounded up to a
 * libopus rate. Both are hints that no wider audio is worth decoding.
 */
export function opusStreamRate(fmtp: Record<string, string>): number {
  return opusRateAtLeast(
    Math.min(fmtpHz(fmtp, "maxplaybackrate"), fmtpHz(fmtp, "sprop-maxcapturerate")),
  );
}

/**
 * The audio rate a codec's stream carries (before any cap): 8000 for G.711 and G.729,
 * 16000 for G.722, {@link opusStreamRate} for Opus; null for a codec we cannot decode.
 */
export function codecSampleRate(name: string, fmtp: Record<string, string> = {}): number | null {
  const codec = decoderCodec(name);
  if (codec === null) return null;
  if (codec === "G722") return 16000;
  if (codec === "opus") return opusStreamRate(fmtp);
  return 8000;
}

/** G.711: one byte per sample at 8 kHz (ITU-T G.711; RFC 3551 §4.5.14). No concealment. */
class G711PacketDecoder implements PacketDecoder {
  readonly sampleRate = 8000;
  readonly clockRate = 8000;
  readonly maxSamples = 1500;
  readonly codec: "PCMU" | "PCMA";
  #law: "pcmu" | "pcma";

  constructor(codec: "PCMU" | "PCMA") {
    this.codec = codec;
    this.#law = codec === "PCMU" ? "pcmu" : "pcma";
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    if (payload.length > out.length) return -1;
    decodeG711(this.#law, payload, out);
    return payload.length;
  }

  conceal(out: Int16Array, samples: number): number {
    return silence(out, samples);
  }

  free(): void {}
}

/** Writes `samples` (at most `out.length`) of silence; returns the count. */
function silence(out: Int16Array, samples: number): number {
  const n = Math.max(0, Math.min(samples, out.length));
  out.fill(0, 0, n);
  return n;
}

/**
 * G.722 64 kbit/s (RFC 3551 §4.5.2): two 16 kHz samples per byte, RTP clock 8000. Every byte
 * sequence is a valid payload. Loss is filled with silence; the ADPCM state carries on.
 */
class G722PacketDecoder implements PacketDecoder {
  readonly codec = "G722";
  readonly sampleRate = 16000;
  readonly clockRate = 8000;
  readonly maxSamples = 3000;
  readonly impl: "ts" | "spandsp";
  #impl: G722Decoder | SpandspG722Decoder;

  constructor(impl: "auto" | "ts" | "spandsp") {
    let native: SpandspG722Decoder | null = null;
    if (impl !== "ts") {
      try {
        native = new SpandspG722Decoder();
      } catch (err) {
        if (impl === "spandsp") throw err;
      }
    }
    this.#impl = native ?? new G722Decoder();
    this.impl = native ? "spandsp" : "ts";
  }

  decode(payload: Uint8Array, out: Int16Array): number {
    return this.#impl.decode(payload, out);
  }

  conceal(out: Int16Array, samples: number): number {
    return silence(out, samples);
  }

  free(): void {
    if (this.#impl instanceof SpandspG722Decoder) this.#impl.free();
  }
}

/**
 * G.729 Annex A/B through libbcg729 (RFC 3551 §4.5.6): 10-byte speech frames then an optional
 * 2-byte SID frame per payload, 8 kHz; loss is concealed, and after a SID frame the gap is
 * comfort noise (Annex B DTX sends nothing while the noise stays the same).
 */
class G729PacketDecoder implements PacketDecoder {
  readonly codec = "G729";
  readonly sampleRate = 8000;
  readonly clockRate = 8000;
  /** 150 frames: a 1500-byte payload. */
  readonly maxSamples = 12000;
  #impl = new Bcg729Decoder();

  decode(payload: Uint8Array, out: Int16Array): number {
    return this.#impl.decode(payload, out);
  }

  conceal(out: Int16Array, samples: number): number {
    return this.#impl.conceal(out, samples);
  }

  free(): void {
    this.#impl.free();
  }
}

/**
 * Opens the codec libraries (libopus, libbcg729, libspandsp) now rather than at the first
 * decoder: for a worker's start-up, and for test modules (Deno's sanitizers count a library
 * opened inside a test as a leak; they stay open for the process). Returns each library's
 * error message, or null when it loaded.
 */
export function loadCodecLibraries(): Record<"opus" | "G729" | "G722", string | null> {
  const attempt = (load: () => unknown) => {
    try {
      load();
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  return {
    opus: attempt(loadLibOpus),
    G729: attempt(loadLibBcg729),
    G722: attempt(loadLibSpandsp),
  };
}

/**
 * A decoder for the SDP encoding `name` at RTP clock `clockRate` with format parameters
 * `fmtp`; null when the codec is not one we decode or its clock rate is wrong for it.
 * Throws (naming the library and its Debian package) when a native library is missing.
 */
export function createPacketDecoder(
  name: string,
  clockRate: number,
  fmtp: Record<string, string> = {},
  opts: PacketDecoderOptions = {},
): Promise<PacketDecoder | null> {
  const codec = decoderCodec(name);
  switch (codec) {
    case "PCMU":
    case "PCMA":
      return Promise.resolve(clockRate === 8000 ? new G711PacketDecoder(codec) : null);
    case "G722":
      return Promise.resolve(
        clockRate === 8000 ? new G722PacketDecoder(opts.g722 ?? "auto") : null,
      );
    case "G729":
      return Promise.resolve(clockRate === 8000 ? new G729PacketDecoder() : null);
    case "opus": {
      if (clockRate !== 48000) return Promise.resolve(null);
      const rate = opts.rate ??
        opusRateAtMost(Math.min(opusStreamRate(fmtp), opts.maxRate ?? 48000));
      if (!(OPUS_RATES as readonly number[]).includes(rate)) {
        return Promise.reject(
          new RangeError(`Cannot decode Opus at "${rate}" Hz: not a libopus rate`),
        );
      }
      return OpusPacketDecoder.create(rate);
    }
    default:
      return Promise.resolve(null);
  }
}
