/**
 * One RTP stream as the recorder sees it: latches to the first source, parses,
 * counts (RFC 3550 §6.4.1, A.3, A.8), decodes G.711 (or Opus) to 8 kHz PCM and places it
 * on the recording's timeline. Comfort noise (PT 13) and RFC 4733 telephone-events are
 * never stored as audio: silence stands in their place and only a count of events is
 * kept (never the digits: PCI). Per-packet work never throws: bad input is counted.
 */
import { parseRtpPacket } from "../rtp/packet.ts";
import { extendSeq } from "../rtp/seq.ts";
import { decodeG711 } from "../codec/g711.ts";
import type { Timeline } from "./timeline.ts";

/** Codec of a payload type as negotiated in SDP. */
export interface PayloadCodec {
  name: "PCMU" | "PCMA" | "opus" | "telephone-event" | "CN";
  clockRate: number;
}

/** Something that turns an Opus payload into 8 kHz mono PCM (injected; native libopus). */
export type OpusDecodeFn = (payload: Uint8Array) => Int16Array | null;

/** Per-stream statistics, stored with the recording. */
export interface StreamStats {
  received: number;
  expected: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Interarrival jitter (RFC 3550 A.8) in ms. */
  jitterMs: number;
  badPackets: number;
  foreignPackets: number;
  unknownPayload: number;
  comfortNoise: number;
  dtmfEvents: number;
  ssrcChanges: number;
  bytes: number;
  firstPacketAt: string | null;
  lastPacketAt: string | null;
}

const DUP_WINDOW = 1024;

/** Receives one stream's packets for one recording. */
export class StreamReceiver {
  readonly key: string;
  readonly channel: 0 | 1;
  #codecs: Map<number, PayloadCodec>;
  #timeline: Timeline;
  #opus: OpusDecodeFn | null;
  #source: string | null = null;
  #ssrc: number | null = null;
  #baseSeq = 0;
  #maxSeq = -1;
  #expectedBefore = 0;
  #seen = new Int32Array(DUP_WINDOW).fill(-1);
  #transit: number | null = null;
  #jitter = 0;
  #lastEventTs: number | null = null;
  #pcm = new Int16Array(960);
  #stats: StreamStats = {
    received: 0,
    expected: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    jitterMs: 0,
    badPackets: 0,
    foreignPackets: 0,
    unknownPayload: 0,
    comfortNoise: 0,
    dtmfEvents: 0,
    ssrcChanges: 0,
    bytes: 0,
    firstPacketAt: null,
    lastPacketAt: null,
  };

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
  }

  /** Replaces the negotiated codecs (re-INVITE with a codec change). */
  setCodecs(codecs: Map<number, PayloadCodec>): void {
    this.#codecs = codecs;
  }

  /**
   * Handles one datagram from `source` ("ip:port") arriving at monotonic `arrivalMs`
   * (wall clock `wallMs` for first/last packet times). Never throws.
   */
  receive(bytes: Uint8Array, source: string, arrivalMs: number, wallMs: number): void {
    if (this.#source === null) this.#source = source;
    else if (source !== this.#source) {
      this.#stats.foreignPackets++;
      return;
    }
    let pkt;
    try {
      pkt = parseRtpPacket(bytes);
    } catch {
      this.#stats.badPackets++;
      return;
    }
    const codec = this.#codecs.get(pkt.payloadType) ??
      (pkt.payloadType === 13 ? { name: "CN" as const, clockRate: 8000 } : undefined);
    if (!codec) {
      this.#stats.unknownPayload++;
      return;
    }
    const st = this.#stats;
    if (this.#ssrc !== pkt.ssrc) {
      if (this.#ssrc !== null) {
        st.ssrcChanges++;
        this.#expectedBefore += this.#maxSeq - this.#baseSeq + 1;
        this.#seen.fill(-1);
      }
      this.#ssrc = pkt.ssrc;
      this.#baseSeq = this.#maxSeq = -1;
      this.#transit = null;
    }
    // Extended sequence numbers (RFC 3550 A.1), duplicates and reordering.
    const ext = this.#maxSeq < 0 ? pkt.sequenceNumber : extendSeq(this.#maxSeq, pkt.sequenceNumber);
    if (this.#maxSeq < 0) {
      this.#baseSeq = ext;
      this.#maxSeq = ext;
    }
    const slot = ext % DUP_WINDOW;
    if (this.#seen[slot] === ext) {
      st.duplicated++;
      return;
    }
    this.#seen[slot] = ext;
    if (ext < this.#maxSeq) st.reordered++;
    else this.#maxSeq = ext;
    st.received++;
    st.bytes += bytes.length;
    const iso = new Date(wallMs).toISOString();
    st.firstPacketAt ??= iso;
    st.lastPacketAt = iso;
    // Interarrival jitter (RFC 3550 A.8), in timestamp units.
    const arrivalTs = arrivalMs * (codec.clockRate / 1000);
    const transit = arrivalTs - pkt.timestamp;
    if (this.#transit !== null) {
      let d = transit - this.#transit;
      if (d < 0) d = -d;
      if (d < codec.clockRate * 10) this.#jitter += (d - this.#jitter) / 16;
    }
    this.#transit = transit;
    st.jitterMs = this.#jitter / (codec.clockRate / 1000);
    this.#place(codec, pkt.payload, pkt.timestamp, pkt.ssrc, arrivalMs);
  }

  #place(
    codec: PayloadCodec,
    payload: Uint8Array,
    timestamp: number,
    ssrc: number,
    arrivalMs: number,
  ): void {
    const tl = this.#timeline;
    switch (codec.name) {
      case "PCMU":
      case "PCMA": {
        if (payload.length > this.#pcm.length) this.#pcm = new Int16Array(payload.length);
        const pcm = this.#pcm.subarray(0, payload.length);
        decodeG711(codec.name === "PCMU" ? "pcmu" : "pcma", payload, pcm);
        tl.place(this.key, this.channel, ssrc, timestamp, arrivalMs, pcm);
        return;
      }
      case "opus": {
        const pcm = this.#opus?.(payload) ?? null;
        if (!pcm) {
          this.#stats.unknownPayload++;
          return;
        }
        // Opus timestamps run at 48 kHz (RFC 7587 §4.1); the timeline runs at 8 kHz.
        tl.place(this.key, this.channel, ssrc, Math.floor(timestamp / 6), arrivalMs, pcm);
        return;
      }
      case "CN":
        this.#stats.comfortNoise++;
        return;
      case "telephone-event":
        // RFC 4733 §2.5.1.2: one event keeps its timestamp across its packets.
        if (this.#lastEventTs !== timestamp) {
          this.#stats.dtmfEvents++;
          this.#lastEventTs = timestamp;
        }
        return;
    }
  }

  /** A snapshot of the statistics. */
  stats(): StreamStats {
    const current = this.#maxSeq < 0 ? 0 : this.#maxSeq - this.#baseSeq + 1;
    const st = { ...this.#stats };
    st.expected = Math.max(this.#expectedBefore + current, st.received);
    st.lost = Math.max(0, st.expected - st.received);
    st.jitterMs = Math.round(st.jitterMs * 100) / 100;
    return st;
  }
}
