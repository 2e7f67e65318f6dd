/**
 * Ogg Opus stream writer core (RFC 7845): OpusHead and OpusTags header pages, then
 * audio pages of at most `maxPageMs` of audio. The granule position is the count of
 * 48 kHz samples in all packets so far; playable audio is granule − pre-skip (§4).
 * Pure: returns page bytes, does no I/O.
 */
import { OggStreamWriter } from "./ogg_stream_writer.ts";
import {
  encodeOpusHead,
  encodeOpusTags,
  type OpusChannelMapping,
  opusStreams,
} from "./opus_head.ts";
import { emptyOpusPacket } from "./opus_packet.ts";

/** Settings for {@link OggOpusWriter}. */
export interface OggOpusWriterOptions {
  /** Ogg logical stream serial number. */
  serial: number;
  channels: 1 | 2;
  /** Encoder lookahead at 48 kHz (OpusHead pre-skip). */
  preSkip: number;
  /** Original sample rate, informational (OpusHead). */
  inputSampleRate: number;
  vendor?: string;
  /** `KEY=value` comments, e.g. from `opusComment("CALLID", id)`. */
  comments?: string[];
  /** Longest audio on one page, in ms; default 1000. */
  maxPageMs?: number;
  /** Channel mapping family 1 (e.g. {@link DUAL_MONO}); absent or null = family 0. */
  mapping?: OpusChannelMapping | null;
}

/** Writes one stereo (or mono) Ogg Opus logical stream into page bytes. */
export class OggOpusWriter {
  readonly channels: 1 | 2;
  readonly preSkip: number;
  #empty: Uint8Array;
  #ogg: OggStreamWriter;
  #maxPage48k: number;
  #queued48k = 0;
  #samples48k = 0;
  #headers: Uint8Array[];
  #held: { data: Uint8Array; granule: number; samples: number } | null = null;

  constructor(opts: OggOpusWriterOptions) {
    this.channels = opts.channels;
    this.preSkip = opts.preSkip;
    const { streams, coupled } = opusStreams(opts);
    this.#empty = emptyOpusPacket(streams, coupled);
    this.#maxPage48k = (opts.maxPageMs ?? 1000) * 48;
    this.#ogg = new OggStreamWriter(opts.serial);
    const head = encodeOpusHead({
      channels: opts.channels,
      preSkip: opts.preSkip,
      inputSampleRate: opts.inputSampleRate,
      outputGain: 0,
      ...(opts.mapping ? { mapping: opts.mapping } : {}),
    });
    const tags = encodeOpusTags({ vendor: opts.vendor ?? "selrec", comments: opts.comments ?? [] });
    // §3: OpusHead alone on the first page; OpusTags finishes its own page(s).
    this.#ogg.addPacket(head, 0);
    const first = this.#ogg.flush();
    this.#ogg.addPacket(tags, 0);
    this.#headers = [...first, ...this.#ogg.flush()];
  }

  /** The header pages (OpusHead with BOS, then OpusTags); write them first. */
  headerPages(): Uint8Array[] {
    return this.#headers;
  }

  /** 48 kHz samples in all packets so far: the granule of the newest packet. */
  get granule(): number {
    return this.#samples48k;
  }

  /** Playable audio so far in ms: (granule − pre-skip) / 48. */
  get durationMs(): number {
    return Math.max(0, this.#samples48k - this.preSkip) / 48;
  }

  /** True once {@link end} produced the EOS page. */
  get ended(): boolean {
    return this.#ogg.ended;
  }

  /**
   * Add one Opus packet covering `samples48k` samples. Returns pages that became
   * complete (at most `maxPageMs` of audio each). The newest packet is held back so
   * that {@link end} always has a packet to mark EOS.
   */
  addPacket(packet: Uint8Array, samples48k: number): Uint8Array[] {
    let pages: Uint8Array[] = [];
    if (this.#held) {
      this.#ogg.addPacket(this.#held.data, this.#held.granule);
      this.#queued48k += this.#held.samples;
      if (this.#queued48k >= this.#maxPage48k) pages = this.flush();
    }
    this.#samples48k += samples48k;
    this.#held = { data: packet, granule: this.#samples48k, samples: samples48k };
    return pages;
  }

  /**
   * Add `samples48k` of silence as empty 20 ms packets (audio that could not be kept
   * stays in the timeline as silence, so the stream keeps its length). Returns the
   * pages that became complete.
   */
  addSilence(samples48k: number): Uint8Array[] {
    const pages: Uint8Array[] = [];
    for (let left = samples48k; left > 0; left -= 960) {
      pages.push(...this.addPacket(this.#empty, 960));
    }
    return pages;
  }

  /** Force out queued audio (all but the newest packet), e.g. on a 1 s wall-clock tick. */
  flush(): Uint8Array[] {
    this.#queued48k = 0;
    return this.#ogg.flush();
  }

  /** Final page(s) with EOS. A stream with no audio gets one 20 ms empty packet. */
  end(): Uint8Array[] {
    if (this.#ogg.ended) return [];
    if (!this.#held) this.addPacket(this.#empty, 960);
    const held = this.#held!;
    this.#ogg.addPacket(held.data, held.granule);
    this.#held = null;
    this.#queued48k = 0;
    return this.#ogg.flush(true);
  }
}
