/**
 * One RTP stream as the recorder sees it: parses each datagram, keeps RFC 3550
 * statistics (src/rtp StreamStats), decodes G.711 (or Opus) to 8 kHz PCM and places it
 * on the recording's timeline. Comfort noise (PT 13) and RFC 4733 telephone-events are
 * never stored as audio: silence stands in their place and only a count of events is
 * kept (never the digits: PCI). Per-packet work never throws: bad input is counted.
 * Source latching happens in the socket adapter (src/rtp UdpCapture).
 */
import { parseRtpPacket } from "../rtp/packet.ts";
import { StreamStats, type StreamStatsSnapshot } from "../rtp/stream_stats.ts";
import { decodeG711 } from "../codec/g711.ts";
import type { Timeline } from "./timeline.ts";

/** Codec of a payload type as negotiated in SDP. */
export interface PayloadCodec {
  name: "PCMU" | "PCMA" | "opus" | "telephone-event" | "CN";
  clockRate: number;
}

/** Turns an Opus payload into 8 kHz mono PCM (injected: libopus in the capture worker). */
export type OpusDecodeFn = (payload: Uint8Array) => Int16Array | null;

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
  firstPacketAt: string | null;
  lastPacketAt: string | null;
}

function statsFor(codecs: Map<number, PayloadCodec>): StreamStats {
  let audioRate = 8000, te: number | undefined;
  for (const [pt, c] of codecs) {
    if (c.name === "telephone-event") te = pt;
    else if (c.name !== "CN") audioRate = c.clockRate;
  }
  return new StreamStats({ clockRate: audioRate, telephoneEventPt: te });
}

/** Receives one stream's packets for one recording. */
export class StreamReceiver {
  readonly key: string;
  readonly channel: 0 | 1;
  #codecs: Map<number, PayloadCodec>;
  #timeline: Timeline;
  #opus: OpusDecodeFn | null;
  #stats: StreamStats;
  #bad = 0;
  #unknown = 0;
  #pcm = new Int16Array(960);

  constructor(
    key: string,
    channel: 0 | 1,
    codecs: Map<number, PayloadCodec>,
    timeline: Timeline,
    opus: OpusDecodeFn | null = null,
  ) {
    this.key = key;
    this.channel = channel;
    this.#codecs = codecs;
    this.#timeline = timeline;
    this.#opus = opus;
    this.#stats = statsFor(codecs);
  }

  /** Replaces the negotiated codecs (re-INVITE with a codec change). */
  setCodecs(codecs: Map<number, PayloadCodec>): void {
    this.#codecs = codecs;
  }

  /** Handles one datagram that arrived at `arrivalMs` (wall-clock ms). Never throws. */
  receive(bytes: Uint8Array, arrivalMs: number): void {
    let pkt;
    try {
      pkt = parseRtpPacket(bytes);
    } catch {
      this.#bad++;
      return;
    }
    const codec = this.#codecs.get(pkt.payloadType) ??
      (pkt.payloadType === 13 ? { name: "CN" as const, clockRate: 8000 } : undefined);
    if (!codec) {
      this.#unknown++;
      return;
    }
    this.#stats.observe(pkt, arrivalMs);
    const tl = this.#timeline;
    switch (codec.name) {
      case "PCMU":
      case "PCMA": {
        if (pkt.payload.length > this.#pcm.length) this.#pcm = new Int16Array(pkt.payload.length);
        const pcm = this.#pcm.subarray(0, pkt.payload.length);
        decodeG711(codec.name === "PCMU" ? "pcmu" : "pcma", pkt.payload, pcm);
        tl.place(this.key, this.channel, pkt.ssrc, pkt.timestamp, arrivalMs, pcm);
        return;
      }
      case "opus": {
        const pcm = this.#opus?.(pkt.payload) ?? null;
        if (!pcm) {
          this.#unknown++;
          return;
        }
        // Opus RTP timestamps run at 48 kHz (RFC 7587 §4.1); the timeline at 8 kHz.
        tl.place(this.key, this.channel, pkt.ssrc, Math.floor(pkt.timestamp / 6), arrivalMs, pcm);
        return;
      }
      case "CN":
      case "telephone-event":
        // Counted by StreamStats; the timeline leaves silence in their place.
        return;
    }
  }

  /** A snapshot of the statistics. */
  stats(): StreamReport {
    const s = this.#stats.toJSON();
    const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
    return {
      ...s,
      channel: this.channel,
      badPackets: this.#bad,
      unknownPayload: this.#unknown,
      firstPacketAt: iso(s.firstPacketMs),
      lastPacketAt: iso(s.lastPacketMs),
    };
  }
}
