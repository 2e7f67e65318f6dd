/// <reference lib="deno.worker" />
/**
 * Capture worker: owns one UDP socket per RTP stream port (and its RTCP port + 1)
 * through src/rtp UdpCapture (preallocated `conn.receive(buf)`), hands packets to
 * the stream receivers, and every 100 ms drains each recording's timeline into a PCM
 * batch transferred to that recording's encoder. Never waits on encoding or disk.
 */
import { UdpCapture } from "../rtp/udp_capture.ts";
import { StreamReceiver } from "./stream_receiver.ts";
import type { OpusDecodeFn, PayloadCodec } from "./stream_receiver.ts";
import { Timeline } from "./timeline.ts";
import type {
  CaptureReport,
  CaptureStream,
  EncoderAck,
  FromCapture,
  ToCapture,
  ToEncoder,
} from "./media_protocol.ts";

/** PCM batch period: each recording posts one batch per tick to its encoder. */
const TICK_MS = 250;
/** The arrival clock UdpCapture stamps packets with; drains and pauses use the same. */
const clock = () => performance.timeOrigin + performance.now();
/** Live statistics period (the active-calls view and no-media detection). */
const STATS_MS = 5000;
const LINGER_MS = 250;

interface Rec {
  id: string;
  timeline: Timeline;
  receivers: Map<string, StreamReceiver>;
  captures: Map<string, UdpCapture>;
  encoder: MessagePort;
  outstanding: number;
  mediaSeen: Set<string>;
}

let listen = "0.0.0.0";
let depthMs = 100;
let encoders: MessagePort[] = [];
const recs = new Map<string, Rec>();
let maxBacklogSamples = 0;

function post(msg: FromCapture): void {
  self.postMessage(msg);
}

function toEncoder(rec: Rec, msg: ToEncoder, transfer: Transferable[] = []): void {
  rec.encoder.postMessage(msg, transfer);
}

let opusDecoderClass:
  | (new (o: { channels: number; sample_rate: number }) => {
    decode(b: ArrayBufferView): Uint8Array;
  })
  | null = null;

async function opusDecoder(): Promise<OpusDecodeFn> {
  if (!opusDecoderClass) {
    const mod = await import("@evan/opus");
    opusDecoderClass = (mod as unknown as { Decoder: typeof opusDecoderClass }).Decoder;
  }
  const dec = new opusDecoderClass!({ channels: 1, sample_rate: 8000 });
  return (payload) => {
    try {
      const bytes = dec.decode(payload);
      return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1).slice();
    } catch {
      return null;
    }
  };
}

async function addStreams(rec: Rec, streams: CaptureStream[]): Promise<number[]> {
  const ports: number[] = [];
  for (const s of streams) {
    const codecs = new Map<number, PayloadCodec>(s.codecs);
    const existing = rec.receivers.get(s.key);
    if (existing && rec.captures.get(s.key)?.port === s.port) {
      existing.setCodecs(codecs);
      continue;
    }
    const hasOpus = [...codecs.values()].some((c) => c.name === "opus");
    const rx = new StreamReceiver(
      s.key,
      s.channel,
      codecs,
      rec.timeline,
      hasOpus ? await opusDecoder() : null,
    );
    rec.receivers.set(s.key, rx);
    const capture = UdpCapture.open({
      port: s.port,
      hostname: listen,
      rtcp: true,
      onRtp: (bytes, arrivalMs) => {
        rx.receive(bytes, arrivalMs);
        if (!rec.mediaSeen.has(rx.key)) {
          rec.mediaSeen.add(rx.key);
          post({ t: "media", rec: rec.id, key: rx.key });
        }
      },
    });
    rec.captures.get(s.key)?.close();
    rec.captures.set(s.key, capture);
    ports.push(s.port);
  }
  return ports;
}

function report(rec: Rec): CaptureReport {
  const streams: CaptureReport["streams"] = {};
  for (const [k, rx] of rec.receivers) {
    const cap = rec.captures.get(k)?.toJSON();
    streams[k] = {
      ...rx.stats(),
      foreignPackets: cap?.foreign ?? 0,
      rtcpPackets: cap?.rtcpPackets ?? 0,
    };
  }
  return {
    rec: rec.id,
    streams,
    timeline: rec.timeline.stats,
    gaps: [...rec.timeline.gaps],
    pauses: rec.timeline.pauses,
    emittedMs: rec.timeline.emittedSamples / 8,
  };
}

function closeSockets(rec: Rec): void {
  for (const c of rec.captures.values()) c.close();
  rec.captures.clear();
}

function flush(rec: Rec, final: boolean): void {
  const pcm = rec.timeline.drain(clock(), final);
  if (!pcm) return;
  rec.outstanding += pcm.length / 2;
  maxBacklogSamples = Math.max(maxBacklogSamples, rec.outstanding);
  toEncoder(rec, { t: "pcm", rec: rec.id, pcm }, [pcm.buffer as ArrayBuffer]);
}

async function handle(msg: ToCapture): Promise<void> {
  switch (msg.t) {
    case "init":
      listen = msg.listen;
      depthMs = msg.depthMs;
      encoders = msg.encoders;
      for (const port of encoders) {
        port.onmessage = (e: MessageEvent<EncoderAck>) => {
          const r = recs.get(e.data.rec);
          if (r) r.outstanding -= e.data.samples;
        };
      }
      return;
    case "open": {
      const rec: Rec = {
        id: msg.rec,
        timeline: new Timeline(depthMs),
        receivers: new Map(),
        captures: new Map(),
        encoder: encoders[msg.encoder % encoders.length],
        outstanding: 0,
        mediaSeen: new Set(),
      };
      recs.set(msg.rec, rec);
      toEncoder(rec, { t: "begin", rec: rec.id, file: msg.file });
      try {
        post({ t: "opened", rec: rec.id, ports: await addStreams(rec, msg.streams) });
      } catch (err) {
        closeSockets(rec);
        post({ t: "open-failed", rec: rec.id, error: (err as Error).message });
      }
      return;
    }
    case "update": {
      const rec = recs.get(msg.rec);
      if (rec) await addStreams(rec, msg.streams).catch(() => {});
      return;
    }
    case "pause":
      recs.get(msg.rec)?.timeline.pause(clock());
      return;
    case "resume":
      recs.get(msg.rec)?.timeline.resume(clock());
      return;
    case "close": {
      const rec = recs.get(msg.rec);
      if (!rec) return;
      recs.delete(rec.id);
      // Packets sent just before the BYE may still be in flight: keep the sockets open
      // for the jitter depth (at least LINGER_MS) before the final flush.
      setTimeout(() => {
        closeSockets(rec);
        flush(rec, true);
        toEncoder(rec, { t: "end", rec: rec.id });
        post({ t: "closed", report: report(rec) });
      }, Math.max(LINGER_MS, depthMs));
      return;
    }
    case "abandon": {
      const rec = recs.get(msg.rec);
      if (!rec) return;
      closeSockets(rec);
      toEncoder(rec, { t: "abandon", rec: rec.id });
      recs.delete(rec.id);
      return;
    }
  }
}

// Messages are handled strictly in order (open must bind before a close is seen).
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<ToCapture>) => {
  queue = queue.then(() => handle(e.data)).catch((err) => console.error("capture worker:", err));
};

setInterval(() => {
  for (const rec of recs.values()) flush(rec, false);
}, TICK_MS);

setInterval(() => {
  if (recs.size > 0) post({ t: "stats", reports: [...recs.values()].map(report) });
}, STATS_MS);
