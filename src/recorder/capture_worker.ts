/// <reference lib="deno.worker" />
/**
 * Capture worker: owns one UDP socket per RTP stream port (and its RTCP port + 1)
 * through src/rtp UdpCapture (preallocated `conn.receive(buf)`), hands packets to
 * the stream receivers, and every 100 ms drains each recording's timeline into a PCM
 * batch transferred to that recording's encoder. Never waits on encoding or disk:
 * when an encoder falls behind, a recording's batches go to its spill journal (raw
 * G.711 on disk, written asynchronously) until the encoder catches up and replays it.
 */
import { UdpCapture } from "../rtp/udp_capture.ts";
import { sourceFilter } from "../rtp/source_policy.ts";
import { StreamReceiver } from "./stream_receiver.ts";
import type { OpusDecodeFn, PayloadCodec } from "./stream_receiver.ts";
import { Timeline } from "./timeline.ts";
import { BacklogGate, backlogLimits, DEFAULT_BACKLOG_MS } from "./backlog_gate.ts";
import { JOURNAL_SUFFIX, SpillJournal } from "./spill_journal.ts";
import type {
  CaptureReport,
  CaptureStream,
  EncoderAck,
  EncoderBacklog,
  FromCapture,
  ToCapture,
} from "./media_protocol.ts";

/** PCM batch period: each recording posts one batch per tick to its encoder. */
const TICK_MS = 250;
/** The arrival clock UdpCapture stamps packets with; drains and pauses use the same. */
const clock = () => performance.timeOrigin + performance.now();
/** Live statistics period (the active-calls view and no-media detection). */
const STATS_MS = 5000;
/** After a close, sockets stay open this long for packets still in flight… */
const LINGER_MS = 250;
/** …then every packet already queued on them is read (UdpCapture.drain), within this. */
const DRAIN_MS = 5000;

interface Rec {
  id: string;
  timeline: Timeline;
  receivers: Map<string, StreamReceiver>;
  captures: Map<string, UdpCapture>;
  /** The source spec each capture runs with, as JSON (to notice a re-offer's change). */
  specs: Map<string, string>;
  /** Counters of captures already closed (port change, end), kept for the final report. */
  closedCounts: Map<string, CaptureCounts>;
  encoder: number;
  /** Bounded queue to the encoder: post or spill, and when to replay. */
  gate: BacklogGate;
  /** Spill journal and ordered outbox to the encoder. */
  journal: SpillJournal;
  closed: boolean;
  mediaSeen: Set<string>;
}

/** Per-stream socket counters that outlive the sockets. */
interface CaptureCounts {
  foreign: number;
  rtcpPackets: number;
  oversize: number;
}

let listen = "0.0.0.0";
let depthMs = 100;
let encoders: MessagePort[] = [];
const recs = new Map<string, Rec>();
/** Every recording the encoders may still acknowledge: open ones plus closing ones. */
const tracked = new Map<string, Rec>();
/** Per encoder since start: spill events and journal I/O failures. */
let spills: number[] = [];
let journalErrors: number[] = [];

function post(msg: FromCapture): void {
  self.postMessage(msg);
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
    const spec = JSON.stringify(s.sources ?? null);
    const sources = s.sources ? sourceFilter(s.sources) : null;
    const existing = rec.receivers.get(s.key);
    const current = rec.captures.get(s.key);
    if (existing && current?.port === s.port) {
      existing.setCodecs(codecs);
      if (rec.specs.get(s.key) !== spec) current.setSources(sources);
      rec.specs.set(s.key, spec);
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
    let capture: UdpCapture;
    try {
      capture = UdpCapture.open({
        port: s.port,
        hostname: listen,
        rtcp: true,
        sources,
        onRtp: (bytes, arrivalMs) => {
          rx.receive(bytes, arrivalMs);
          if (!rec.mediaSeen.has(rx.key)) {
            rec.mediaSeen.add(rx.key);
            post({ t: "media", rec: rec.id, key: rx.key });
          }
        },
      });
    } catch (err) {
      throw new Error(
        `Cannot bind RTP ports ${s.port}/${s.port + 1} of stream "${s.key}": ${
          (err as Error).message
        }`,
      );
    }
    rec.receivers.set(s.key, rx);
    if (current) retire(rec, s.key, current);
    rec.captures.set(s.key, capture);
    rec.specs.set(s.key, spec);
    ports.push(s.port);
  }
  return ports;
}

/** Closes a capture, keeping its counters for the recording's report. */
function retire(rec: Rec, key: string, capture: UdpCapture): void {
  const c = capture.toJSON();
  const kept = rec.closedCounts.get(key) ?? { foreign: 0, rtcpPackets: 0, oversize: 0 };
  rec.closedCounts.set(key, {
    foreign: kept.foreign + c.foreign,
    rtcpPackets: kept.rtcpPackets + c.rtcpPackets,
    oversize: kept.oversize + c.oversize,
  });
  capture.close();
}

/** Closed plus live counters of one stream's sockets. */
function counts(rec: Rec, key: string): CaptureCounts {
  const kept = rec.closedCounts.get(key) ?? { foreign: 0, rtcpPackets: 0, oversize: 0 };
  const live = rec.captures.get(key)?.toJSON();
  return {
    foreign: kept.foreign + (live?.foreign ?? 0),
    rtcpPackets: kept.rtcpPackets + (live?.rtcpPackets ?? 0),
    oversize: kept.oversize + (live?.oversize ?? 0),
  };
}

function report(rec: Rec): CaptureReport {
  const streams: CaptureReport["streams"] = {};
  for (const [k, rx] of rec.receivers) {
    const c = counts(rec, k);
    streams[k] = {
      ...rx.stats(),
      foreignPackets: c.foreign,
      rtcpPackets: c.rtcpPackets,
      oversizePackets: c.oversize,
    };
  }
  return {
    rec: rec.id,
    streams,
    timeline: rec.timeline.stats,
    gaps: [...rec.timeline.gaps],
    pauses: rec.timeline.pauses,
    emittedMs: rec.timeline.emittedSamples / 8,
    backlog: {
      queuedMs: rec.gate.queuedSamples / 8,
      journaledMs: rec.gate.journaledSamples / 8,
      spills: rec.gate.spills,
      maxMs: rec.gate.toJSON().maxBacklogSamples / 8,
    },
  };
}

function backlog(): EncoderBacklog[] {
  const out = encoders.map((_, i): EncoderBacklog => ({
    encoder: i,
    queuedSeconds: 0,
    journaledSeconds: 0,
    spilling: 0,
    journals: 0,
    spills: spills[i],
    journalErrors: journalErrors[i],
  }));
  for (const rec of tracked.values()) {
    const b = out[rec.encoder];
    b.queuedSeconds += rec.gate.queuedSamples / 8000;
    b.journaledSeconds += rec.gate.journaledSamples / 8000;
    if (rec.gate.spilling) b.spilling++;
    if (rec.journal.exists) b.journals++;
  }
  return out;
}

/** Closes every socket of a recording; their counters stay in `closedCounts`. */
function closeSockets(rec: Rec): void {
  for (const [key, c] of rec.captures) retire(rec, key, c);
  rec.captures.clear();
}

function replay(rec: Rec): void {
  rec.gate.replay();
  rec.journal.replay();
}

/** Drains the timeline into one batch: posted to the encoder, or spilled while it lags. */
function flush(rec: Rec, final: boolean): void {
  const { gate, journal } = rec;
  // A replay goes out before this tick's batch: the journal holds older audio.
  if (gate.shouldReplay()) replay(rec);
  const pcm = rec.timeline.drain(clock(), final);
  if (pcm) {
    const before = gate.spills;
    if (gate.push(pcm.length / 2) === "post") {
      journal.send({ t: "pcm", rec: rec.id, pcm }, [pcm.buffer as ArrayBuffer]);
    } else journal.append(pcm);
    spills[rec.encoder] += gate.spills - before;
  }
  if (final && gate.journaledSamples > 0) replay(rec);
}

/** Forgets a closed recording once the encoder has acknowledged all of its audio. */
function untrackWhenDone(rec: Rec): void {
  if (rec.closed && rec.gate.backlogSamples === 0) tracked.delete(rec.id);
}

function onAck(ack: EncoderAck): void {
  const rec = tracked.get(ack.rec);
  if (!rec) return;
  rec.gate.ack(ack.samples);
  untrackWhenDone(rec);
}

function openRec(msg: Extract<ToCapture, { t: "open" }>): Rec {
  const encoder = msg.encoder % encoders.length;
  const { highMs, lowMs } = msg.backlog ?? DEFAULT_BACKLOG_MS;
  const port = encoders[encoder];
  return {
    id: msg.rec,
    timeline: new Timeline(depthMs),
    receivers: new Map(),
    captures: new Map(),
    specs: new Map(),
    closedCounts: new Map(),
    encoder,
    gate: new BacklogGate(backlogLimits(highMs, lowMs)),
    journal: new SpillJournal({
      rec: msg.rec,
      path: msg.file.path + JOURNAL_SUFFIX,
      send: (m, transfer) => port.postMessage(m, transfer ?? []),
      syncIntervalMs: msg.file.syncIntervalMs,
      onError: () => journalErrors[encoder]++,
    }),
    closed: false,
    mediaSeen: new Set(),
  };
}

async function handle(msg: ToCapture): Promise<void> {
  switch (msg.t) {
    case "init":
      listen = msg.listen;
      depthMs = msg.depthMs;
      encoders = msg.encoders;
      spills = encoders.map(() => 0);
      journalErrors = encoders.map(() => 0);
      for (const port of encoders) {
        port.onmessage = (e: MessageEvent<EncoderAck>) => onAck(e.data);
      }
      return;
    case "open": {
      let rec: Rec;
      try {
        rec = openRec(msg);
      } catch (err) {
        post({ t: "open-failed", rec: msg.rec, error: (err as Error).message });
        return;
      }
      // Bind first: a port that cannot be bound fails the open before the encoder
      // creates a file or a tick posts audio, so nothing of the recording remains.
      let ports: number[];
      try {
        ports = await addStreams(rec, msg.streams);
      } catch (err) {
        closeSockets(rec);
        rec.journal.close();
        post({ t: "open-failed", rec: rec.id, error: (err as Error).message });
        return;
      }
      recs.set(msg.rec, rec);
      tracked.set(msg.rec, rec);
      rec.journal.send({ t: "begin", rec: rec.id, file: msg.file });
      post({ t: "opened", rec: rec.id, ports });
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
      // Packets sent just before the BYE may still be in flight (linger for the jitter
      // depth, at least LINGER_MS), or queued unread in the socket while this thread is
      // busy (drain them), before the final flush.
      const finish = async () => {
        await Promise.all([...rec.captures.values()].map((c) => c.drain(DRAIN_MS)));
        closeSockets(rec);
        flush(rec, true);
        rec.journal.send({ t: "end", rec: rec.id });
        rec.journal.close();
        rec.closed = true;
        untrackWhenDone(rec);
        post({ t: "closed", report: report(rec) });
      };
      setTimeout(finish, Math.max(LINGER_MS, depthMs));
      return;
    }
    case "abandon": {
      const rec = recs.get(msg.rec);
      if (!rec) return;
      closeSockets(rec);
      rec.journal.send({ t: "abandon", rec: rec.id });
      // A journal stays on disk beside the .partial for the recovery sweep.
      rec.journal.close();
      recs.delete(rec.id);
      tracked.delete(rec.id);
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
  post({ t: "stats", reports: [...recs.values()].map(report), backlog: backlog() });
}, STATS_MS);
