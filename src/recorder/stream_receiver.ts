/**
 * One RTP stream as the recorder sees it: parses each datagram, keeps RFC 3550
 * statistics (src/rtp StreamStats), decodes each payload type with its own decoder
 * (G.711, G.722, G.729, Opus: stream_decoders.ts), resamples to the recording's rate
 * where the codec's rate differs, and places the PCM on the recording's timeline. A
 * short hole in the timestamps (loss, G.729 Annex B DTX after a SID) is filled with the
 * decoder's concealment or comfort noise. Comfort noise (PT 13) and RFC 4733
 * telephone-events are never stored as audio: silence stands in their place and only a
 * count of events is kept (never the digits: PCI). Per-packet work never throws and
 * never allocates: bad input is counted. Source latching happens in the socket adapter
 * (src/rtp UdpCapture).
 */
import { parseRtpPacket } from "../rtp/packet.ts";
import { StreamStats, type StreamStatsSnapshot } from "../rtp/stream_stats.ts";
import type { Timeline } from "./timeline.ts";
import type { PayloadDecoder } from "./stream_decoders.ts";
import type { RecordedCodecName } from "./session.ts";

/** Codec of a payload type as negotiated in SDP. */
export interface PayloadCodec {
  name: RecordedCodecName;
  clockRate: number;
  /** The offered fmtp parameters (Opus maxplaybackrate, G.729 annexb). */
  fmtp?: string | null;
}

/** Longest timestamp hole filled with concealment (or comfort noise after a SID). */
const CONCEAL_MAX_MS = 1000;
/**
 * Packets of a payload type not negotiated (yet) are held, up to this many, until the
 * next re-offer: an SRC switches codec as soon as our answer reaches it, which can be a
 * moment before the capture hears of the new codecs. Older than HOLD_MS at that point,
 * or still unknown, they are counted as unknown payload.
 */
const HOLD_PACKETS = 25;
const HOLD_MS = 1000;

/** Per-stream statistics stored with the recording. */
export interface StreamReport extends StreamStatsSnapshot {
  badPackets: number;
  /**
   * Filled in by the capture: packets from a source the stream's policy refuses (or
   * other than the latched one), RTCP packets, datagrams over the size limit.
   */
  foreignPackets?: number;
  rtcpPackets?: number;
  oversizePackets?: number;
  /** SRTP streams: suite, packets failing authentication, packets refused as replays. */
  srtpSuite?: string;
  srtpAuthFailures?: number;
  srtpReplays?: number;
  /** Timeline channel the stream was mixed to. */
  channel?: number;
  unknownPayload: number;
  /** Audio codecs received, in the order first seen (`PCMU`, then `G722` after a re-INVITE). */
  codecs: string[];
  /** Payloads a decoder refused (malformed for their codec). */
  undecodable: number;
  /** Samples of concealment or comfort noise filled in for holes (at the recording's rate). */
  concealedSamples: number;
  firstPacketAt: string | null;
  lastPacketAt: string | null;
}

function statsFor(codecs: Map<number, PayloadCodec>): StreamStats {
  let audioRate: number | undefined, te: number | undefined;
  for (const [pt, c] of codecs) {
    if (c.name === "telephone-event") te ??= pt;
    else if (c.name !== "CN") audioRate ??= c.clockRate;
  }
  return new StreamStats({ clockRate: audioRate ?? 8000, telephoneEventPt: te });
}

/** Where the last audio packet of the stream ended, to find holes. */
interface LastAudio {
  pt: number;
  ssrc: number;
  /** RTP timestamp just after its audio (its clock). */
  endTs: number;
}

/** Receives one stream's packets for one recording. */
export class StreamReceiver {
  readonly key: string;
  readonly channel: 0 | 1;
  #codecs: Map<number, PayloadCodec>;
  #decoders: Map<number, PayloadDecoder>;
  #timeline: Timeline;
  #stats: StreamStats;
  #bad = 0;
  #unknown = 0;
  #undecodable = 0;
  #concealed = 0;
  #received: string[] = [];
  /** Packets of a payload type not known yet (copies: the socket buffer is reused). */
  #held: { bytes: Uint8Array; arrivalMs: number }[] = [];
  #lastPt = -1;
  #last: LastAudio = { pt: -1, ssrc: 0, endTs: 0 };
  /** Decoder output, and resampler output: sized for the largest packet, never per packet. */
  #pcm = new Int16Array(0);
  #out = new Int16Array(0);
  #view = new Int16Array(0);

  constructor(
    key: string,
    channel: 0 | 1,
    codecs: Map<number, PayloadCodec>,
    timeline: Timeline,
    decoders: Map<number, PayloadDecoder>,
  ) {
    this.key = key;
    this.channel = channel;
    this.#codecs = codecs;
    this.#decoders = decoders;
    this.#timeline = timeline;
    this.#stats = statsFor(codecs);
    this.#size();
  }

  /** The decoders in use (to reuse or free them on a re-offer). */
  get decoders(): ReadonlyMap<number, PayloadDecoder> {
    return this.#decoders;
  }

  /**
   * Replaces the negotiated codecs and their decoders (re-INVITE with a codec change),
   * then handles the packets held for a payload type that was not known yet.
   */
  setCodecs(codecs: Map<number, PayloadCodec>, decoders: Map<number, PayloadDecoder>): void {
    this.#codecs = codecs;
    this.#decoders = decoders;
    this.#last.pt = -1;
    this.#size();
    const held = this.#held;
    this.#held = [];
    const newest = held.at(-1)?.arrivalMs ?? 0;
    for (const h of held) {
      if (newest - h.arrivalMs > HOLD_MS) this.#unknown++;
      else this.receive(h.bytes, h.arrivalMs, false);
    }
  }

  #size(): void {
    let pcm = 0, out = 0;
    for (const d of this.#decoders.values()) {
      pcm = Math.max(pcm, d.decoder.maxSamples);
      out = Math.max(out, d.resampler?.maxOutput(d.decoder.maxSamples) ?? 0);
    }
    if (pcm > this.#pcm.length) this.#pcm = new Int16Array(pcm);
    if (out > this.#out.length) this.#out = new Int16Array(out);
  }

  /**
   * Handles one datagram that arrived at `arrivalMs` (wall-clock ms). Never throws.
   * `hold`: keep a packet of an unknown payload type for the next re-offer.
   */
  receive(bytes: Uint8Array, arrivalMs: number, hold = true): void {
    let pkt;
    try {
      pkt = parseRtpPacket(bytes);
    } catch {
      this.#bad++;
      return;
    }
    const pt = pkt.payloadType;
    const codec = this.#codecs.get(pt) ??
      (pt === 13 ? { name: "CN" as const, clockRate: 8000 } : undefined);
    if (!codec) {
      if (hold && this.#held.length < HOLD_PACKETS) {
        this.#held.push({ bytes: bytes.slice(), arrivalMs });
      } else this.#unknown++;
      return;
    }
    this.#stats.observe(pkt, arrivalMs);
    // CN and telephone-events: counted by StreamStats; the timeline leaves silence.
    if (codec.name === "CN" || codec.name === "telephone-event") return;
    const d = this.#decoders.get(pt);
    if (!d) {
      this.#unknown++;
      return;
    }
    if (pt !== this.#lastPt) this.#noteCodec(pt, codec.name);
    this.#fillHole(d, pt, pkt.ssrc, pkt.timestamp, arrivalMs);
    const n = d.decoder.decode(pkt.payload, this.#pcm);
    if (n < 0) {
      this.#undecodable++;
      return;
    }
    this.#place(d, pkt.ssrc, pkt.timestamp, arrivalMs, n);
    const last = this.#last;
    last.pt = pt;
    last.ssrc = pkt.ssrc;
    last.endTs = (pkt.timestamp + Math.round(n * d.decoder.clockRate / d.decoder.sampleRate)) >>>
      0;
  }

  /** Resamples `n` decoded samples in #pcm if needed and places them at `ts`. */
  #place(d: PayloadDecoder, ssrc: number, ts: number, arrivalMs: number, n: number): void {
    let pcm = this.#pcm, len = n;
    if (d.resampler) {
      // The view is kept while packets keep their size (they do): no allocation per packet.
      if (this.#view.length !== n || this.#view.buffer !== this.#pcm.buffer) {
        this.#view = this.#pcm.subarray(0, n);
      }
      len = d.resampler.process(this.#view, this.#out);
      if (len < 0) return;
      pcm = this.#out;
    }
    this.#timeline.place(
      this.key,
      this.channel,
      ssrc,
      ts,
      arrivalMs,
      pcm,
      len,
      d.decoder.clockRate,
    );
  }

  /**
   * A hole before this packet (same source and codec, timestamps ahead by up to
   * CONCEAL_MAX_MS): the decoder's concealment, or comfort noise after a G.729 SID.
   * G.711 holes stay silence (its decoders have nothing better).
   */
  #fillHole(d: PayloadDecoder, pt: number, ssrc: number, ts: number, arrivalMs: number): void {
    const last = this.#last;
    if (
      last.pt !== pt || last.ssrc !== ssrc || d.codec.name === "PCMU" || d.codec.name === "PCMA"
    ) {
      return;
    }
    const hole = (ts - last.endTs) | 0;
    const clock = d.decoder.clockRate;
    if (hole <= 0 || hole > clock * CONCEAL_MAX_MS / 1000) return;
    let samples = Math.round(hole * d.decoder.sampleRate / clock);
    let at = last.endTs;
    while (samples > 0) {
      const n = d.decoder.conceal(this.#pcm, Math.min(samples, this.#pcm.length));
      if (n <= 0) return;
      this.#place(d, ssrc, at, arrivalMs, n);
      this.#concealed += n;
      samples -= n;
      at = (at + Math.round(n * clock / d.decoder.sampleRate)) >>> 0;
    }
  }

  #noteCodec(pt: number, name: string): void {
    this.#lastPt = pt;
    if (!this.#received.includes(name)) this.#received.push(name);
  }

  /** A snapshot of the statistics. */
  stats(): StreamReport {
    const s = this.#stats.toJSON();
    const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
    return {
      ...s,
      channel: this.channel,
      badPackets: this.#bad,
      unknownPayload: this.#unknown + this.#held.length,
      codecs: [...this.#received],
      undecodable: this.#undecodable,
      concealedSamples: this.#concealed,
      firstPacketAt: iso(s.firstPacketMs),
      lastPacketAt: iso(s.lastPacketMs),
    };
  }
}
