/**
 * The decoders of one stream's payload types: a src/codec PacketDecoder per audio codec
 * the answer accepted (G.711, G.722, G.729, Opus), and where the decoder's rate is not
 * the recording's, a band-limited streaming resampler to it. Opus is decoded straight
 * at the recording's rate. Built (async: a codec may load a native library) when a
 * stream is bound or re-offered; used synchronously per packet by StreamReceiver.
 */
import { createPacketDecoder, type PacketDecoder } from "../codec/packet_decoder.ts";
import { Resampler } from "../codec/resample.ts";
import { parseFmtp } from "./recording_rate.ts";
import type { PayloadCodec } from "./stream_receiver.ts";

/** A streaming resampler: the same instance for every packet of one stream and codec. */
export interface PcmResampler {
  /**
   * Resamples `input` into `out`; returns the samples written, -1 when `out` is too short.
   * Never allocates.
   */
  process(input: Int16Array, out: Int16Array): number;
  /** The most samples {@link process} writes for `inputSamples` samples in. */
  maxOutput(inputSamples: number): number;
  free?(): void;
}

/** Makes a resampler from one rate to another. */
export type ResamplerFactory = (fromRate: number, toRate: number) => PcmResampler;

/** The band-limited polyphase resampler of src/codec (70 dB, seamless across packets). */
export function bandLimitedResampler(fromRate: number, toRate: number): PcmResampler {
  const r = new Resampler(fromRate, toRate);
  return {
    process: (input, out) => r.process(input, out),
    maxOutput: (n) => Math.ceil(n * r.up / r.down) + 1,
  };
}

/** How one audio payload type becomes PCM at the recording's rate. */
export interface PayloadDecoder {
  codec: PayloadCodec;
  decoder: PacketDecoder;
  /** Null when the decoder writes the recording's rate already. */
  resampler: PcmResampler | null;
}

/** What {@link payloadDecoders} needs besides the codecs. */
export interface PayloadDecoderOptions {
  /** The recording's sample rate. */
  rate: number;
  resampler: ResamplerFactory;
  /** Decoders of the stream before a re-offer: kept for payload types that did not change. */
  reuse?: ReadonlyMap<number, PayloadDecoder>;
  /** A codec whose decoder cannot be made (its library missing): its packets are counted. */
  onError?: (codec: PayloadCodec, err: unknown) => void;
}

function same(a: PayloadCodec, b: PayloadCodec): boolean {
  return a.name === b.name && a.clockRate === b.clockRate && (a.fmtp ?? null) === (b.fmtp ?? null);
}

/** Decoders for every audio payload type of `codecs` (telephone-event and CN have none). */
export async function payloadDecoders(
  codecs: ReadonlyMap<number, PayloadCodec>,
  o: PayloadDecoderOptions,
): Promise<Map<number, PayloadDecoder>> {
  const out = new Map<number, PayloadDecoder>();
  for (const [pt, codec] of codecs) {
    if (codec.name === "telephone-event" || codec.name === "CN") continue;
    const old = o.reuse?.get(pt);
    if (old && same(old.codec, codec)) {
      out.set(pt, old);
      continue;
    }
    let decoder: PacketDecoder | null = null;
    try {
      decoder = await createPacketDecoder(codec.name, codec.clockRate, parseFmtp(codec.fmtp), {
        rate: codec.name === "opus" ? o.rate : undefined,
      });
    } catch (err) {
      o.onError?.(codec, err);
    }
    if (!decoder) continue;
    const resampler = decoder.sampleRate === o.rate
      ? null
      : o.resampler(decoder.sampleRate, o.rate);
    out.set(pt, { codec, decoder, resampler });
  }
  return out;
}

/** Frees the decoders of `before` that `after` no longer uses. */
export function freeUnused(
  before: ReadonlyMap<number, PayloadDecoder>,
  after: ReadonlyMap<number, PayloadDecoder> = new Map(),
): void {
  const kept = new Set(after.values());
  for (const d of before.values()) {
    if (kept.has(d)) continue;
    d.decoder.free();
    d.resampler?.free?.();
  }
}
