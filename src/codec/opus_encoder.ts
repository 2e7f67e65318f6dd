/**
 * libopus encoder loader: the `@evan/opus` native N-API addon first (needs
 * --allow-ffi), its WASM build as fallback. Encodes fixed-size frames of interleaved
 * Int16 PCM. Ogg framing is separate (see opus_ogg_writer.ts).
 */

import { DUAL_MONO, type OpusChannelMapping } from "./opus_head.ts";
import { multistreamPacket } from "./opus_packet.ts";
import { type AddonEncoder, loadBestOpusAddon, loadOpusAddon } from "./opus_addon.ts";

/** Which libopus build is in use. */
export type OpusBackend = "native" | "wasm";
/** Sample rates libopus accepts. */
export type OpusSampleRate = 8000 | 12000 | 16000 | 24000 | 48000;

/**
 * Encoder settings; defaults: two channels, 8 kHz, voip, complexity 5, 20 ms, libopus
 * bitrate. Two channels are two parties, not a stereo image: they are coded as two
 * uncoupled mono streams ({@link DUAL_MONO}). Coupled stereo lets libopus code the
 * side signal cheaply and at low bitrates (≤ 12 kbps measured) collapse to mid only,
 * which puts each party on both channels.
 */
export interface OpusEncoderOptions {
  channels?: 1 | 2;
  sampleRate?: OpusSampleRate;
  application?: "voip" | "audio" | "restricted_lowdelay";
  /** 0 (fastest) … 10. */
  complexity?: number;
  /** Bits per second for all channels (500–512000); omitted = libopus default per stream. */
  bitrate?: number;
  /** Frame length in ms. */
  frameMs?: 10 | 20 | 40 | 60;
  /** `auto` tries native, then WASM. */
  backend?: "auto" | OpusBackend;
  /**
   * Silence gate: after {@link GATE_HANGOVER_FRAMES} frames of a channel below this
   * level (RMS, dBFS), its frames are sent as empty packets (decoded as concealment,
   * fading to silence) instead of being encoded, until the level rises again. Saves the
   * encode of the listening party. Omitted or null = every frame is encoded.
   */
  silenceGateDbfs?: number | null;
}

/** Quiet frames before the silence gate closes (200 ms at 20 ms frames). */
export const GATE_HANGOVER_FRAMES = 10;

/** A configured encoder. `encode()` takes exactly `frameSamples × channels` samples. */
export interface OpusFrameEncoder {
  readonly backend: OpusBackend;
  readonly channels: 1 | 2;
  readonly sampleRate: OpusSampleRate;
  /** Samples per channel per frame at `sampleRate`. */
  readonly frameSamples: number;
  /** Samples per channel per frame at 48 kHz (granule units, RFC 7845 §4). */
  readonly frameSamples48k: number;
  /** Encoder lookahead at 48 kHz: the OpusHead pre-skip (RFC 7845 §4.2). */
  readonly preSkip: number;
  /** The OpusHead channel mapping the packets need; null = family 0 (mono). */
  readonly mapping: OpusChannelMapping | null;
  /** Frames per channel the silence gate sent empty instead of encoding. */
  readonly gatedFrames: number;
  encode(pcm: Int16Array): Uint8Array;
  /**
   * Back to the state of a new encoder with the same settings (OPUS_RESET_STATE), so a
   * finished recording's encoder can serve the next one instead of a fresh allocation.
   */
  reset(): void;
}

// opus_defines.h request codes.
const OPUS_SET_BITRATE = 4002;
const OPUS_SET_COMPLEXITY = 4010;
const OPUS_SET_SIGNAL = 4024;
const OPUS_SIGNAL_VOICE = 3001;
const OPUS_GET_LOOKAHEAD = 4027;
const OPUS_RESET_STATE = 4028;

/** Load the best available backend; returns which one loaded. */
export async function loadOpusBackend(
  prefer: "auto" | OpusBackend = "auto",
): Promise<OpusBackend> {
  if (prefer !== "auto") {
    await loadOpusAddon(prefer);
    return prefer;
  }
  return (await loadBestOpusAddon()).backend;
}

/** Create a configured Opus encoder. Throws RangeError on invalid settings. */
export async function createOpusEncoder(opts: OpusEncoderOptions = {}): Promise<OpusFrameEncoder> {
  const channels = opts.channels ?? 2;
  const sampleRate = opts.sampleRate ?? 8000;
  const complexity = opts.complexity ?? 5;
  const frameMs = opts.frameMs ?? 20;
  if (![8000, 12000, 16000, 24000, 48000].includes(sampleRate)) {
    throw new RangeError(`Opus sample rate "${sampleRate}" is unsupported`);
  }
  if (!Number.isInteger(complexity) || complexity < 0 || complexity > 10) {
    throw new RangeError(`Opus complexity "${complexity}" is out of range`);
  }
  if (opts.bitrate !== undefined && (opts.bitrate < 500 || opts.bitrate > 512000)) {
    throw new RangeError(`Opus bitrate "${opts.bitrate}" is out of range`);
  }
  const backend = await loadOpusBackend(opts.backend ?? "auto");
  // This thread's own copy of the build (opus_addon.ts).
  const { Encoder } = await loadOpusAddon(backend);
  const streams: AddonEncoder[] = [];
  for (let i = 0; i < channels; i++) {
    const raw = new Encoder({
      channels: 1,
      sample_rate: sampleRate,
      application: opts.application ?? "voip",
    });
    raw.ctl(OPUS_SET_COMPLEXITY, complexity);
    raw.ctl(OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE);
    if (opts.bitrate !== undefined) {
      raw.ctl(OPUS_SET_BITRATE, Math.max(500, Math.round(opts.bitrate / channels)));
    }
    streams.push(raw);
  }
  const ratio = 48000 / sampleRate;
  const frameSamples = (sampleRate * frameMs) / 1000;
  const frameLength = frameSamples * channels;
  const gates = streams.map((raw) => new SilenceGate(raw, frameSamples, opts.silenceGateDbfs));
  const split = channels === 2 ? [new Int16Array(frameSamples), new Int16Array(frameSamples)] : [];
  return {
    backend,
    channels,
    sampleRate,
    frameSamples,
    frameSamples48k: frameSamples * ratio,
    preSkip: streams[0].ctl(OPUS_GET_LOOKAHEAD) * ratio,
    mapping: channels === 2 ? DUAL_MONO : null,
    get gatedFrames() {
      return gates.reduce((a, g) => a + g.gated, 0);
    },
    encode(pcm: Int16Array): Uint8Array {
      if (pcm.length !== frameLength) {
        throw new RangeError(`Opus frame has "${pcm.length}" samples, expected ${frameLength}`);
      }
      if (channels === 1) return gates[0].encode(pcm);
      const [l, r] = split;
      for (let i = 0, j = 0; i < frameSamples; i++, j += 2) {
        l[i] = pcm[j];
        r[i] = pcm[j + 1];
      }
      return multistreamPacket([gates[0].encode(l), gates[1].encode(r)]);
    },
    reset() {
      for (const raw of streams) raw.ctl(OPUS_RESET_STATE);
      for (const gate of gates) gate.reset();
    },
  };
}

/**
 * One mono stream behind the silence gate. A gated frame is the TOC of the last
 * encoded packet with a zero-length frame (RFC 6716 §3.2.1): to the decoder it is a
 * lost frame, so it conceals from the last (quiet) audio and fades to silence; the
 * encoder is not called, and on the next loud frame it goes on as after a loss.
 */
class SilenceGate {
  gated = 0;
  #raw: AddonEncoder;
  #limit: number;
  #quiet = 0;
  #empty = Uint8Array.of(0x08); // SILK NB 20 ms until a real packet sets the config

  constructor(raw: AddonEncoder, frameSamples: number, dbfs: number | null | undefined) {
    this.#raw = raw;
    // Compare sums of squares: frame RMS below 32768 × 10^(dBFS/20).
    this.#limit = dbfs == null ? -1 : frameSamples * (32768 * 10 ** (dbfs / 20)) ** 2;
  }

  reset(): void {
    this.gated = 0;
    this.#quiet = 0;
    this.#empty = Uint8Array.of(0x08);
  }

  encode(pcm: Int16Array): Uint8Array {
    if (this.#limit >= 0) {
      let energy = 0;
      for (let i = 0; i < pcm.length; i++) energy += pcm[i] * pcm[i];
      this.#quiet = energy < this.#limit ? this.#quiet + 1 : 0;
      if (this.#quiet > GATE_HANGOVER_FRAMES) {
        this.gated++;
        return this.#empty;
      }
    }
    const packet = this.#raw.encode(pcm);
    const toc = packet[0] & ~0x03;
    if (toc !== this.#empty[0]) this.#empty = Uint8Array.of(toc);
    return packet;
  }
}
