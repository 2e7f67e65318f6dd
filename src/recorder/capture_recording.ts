/**
 * One recording inside the capture worker: its timeline, its stream receivers and the
 * UDP sockets feeding them, its bounded queue to the encoder and its spill journal.
 * Sockets are bound per stream (a re-offer that moves a port retires the old one);
 * a retired socket's counters are kept for the recording's final report. A segment roll
 * ({@link rollSegment}) gives the same capture a new recording id, journal and file from
 * a sample boundary; its reports then cover the segment only. The reports are built in
 * capture_report.ts.
 */
import { UdpCapture } from "../rtp/udp_capture.ts";
import { sourceFilter } from "../rtp/source_policy.ts";
import { applySrtp, closeSrtp, type StreamSrtp } from "./capture_srtp.ts";
import { StreamReceiver } from "./stream_receiver.ts";
import type { PayloadCodec } from "./stream_receiver.ts";
import { freeUnused, payloadDecoders, type ResamplerFactory } from "./stream_decoders.ts";
import { Timeline } from "./timeline.ts";
import { BacklogGate, backlogLimits, DEFAULT_BACKLOG_MS } from "./backlog_gate.ts";
import { JOURNAL_SUFFIX, SpillJournal } from "./spill_journal.ts";
import type {
  BacklogOptions,
  CaptureReport,
  CaptureStream,
  FileSpec,
  ToEncoder,
} from "./media_protocol.ts";
import { captureReport, NO_COUNTS } from "./capture_report.ts";

export { captureReport, segmentGaps, segmentPauses } from "./capture_report.ts";

/** A recording the capture worker is capturing, or closing. */
export interface CaptureRecording {
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
  /** SRTP receivers of the streams that are SRTP. */
  srtp: StreamSrtp;
  /** Arrival time of the newest RTP or RTCP packet of any stream; 0 before the first. */
  lastActivity: number;
  /** Paused (agent, API or SRC `a=inactive`): silence is expected, not inactivity. */
  paused: boolean;
  /** `idle` was reported; cleared when media comes back. */
  idleReported: boolean;
  /** Timeline sample where the current segment (file) starts; 0 before any roll. */
  segmentStart: number;
  /** Index of the timeline's first pause that reaches into the current segment. */
  pauseBase: number;
  /** Ids of earlier segments whose encoder acks may still arrive. */
  formerIds: string[];
}

/** Per-stream socket counters that outlive the sockets. */
export interface CaptureCounts {
  foreign: number;
  rtcpPackets: number;
  oversize: number;
}

/** What {@link newCaptureRecording} needs. */
export interface NewRecordingOptions {
  id: string;
  depthMs: number;
  encoder: number;
  /** The encoder's port: the journal's outbox posts to it. */
  port: MessagePort;
  file: FileSpec;
  backlog?: BacklogOptions;
  onJournalError: () => void;
}

/** A recording with no streams yet (bind them with {@link bindStreams}). */
export function newCaptureRecording(o: NewRecordingOptions): CaptureRecording {
  const { highMs, lowMs } = o.backlog ?? DEFAULT_BACKLOG_MS;
  return {
    id: o.id,
    timeline: new Timeline(o.depthMs, o.file.sampleRate),
    receivers: new Map(),
    captures: new Map(),
    specs: new Map(),
    closedCounts: new Map(),
    encoder: o.encoder,
    gate: new BacklogGate(backlogLimits(highMs, lowMs, o.file.sampleRate)),
    journal: newJournal(o.id, o.file, o.port, o.onJournalError),
    closed: false,
    mediaSeen: new Set(),
    srtp: new Map(),
    lastActivity: 0,
    paused: false,
    idleReported: false,
    segmentStart: 0,
    pauseBase: 0,
    formerIds: [],
  };
}

/** A recording's spill journal beside its file, posting to its encoder's port. */
function newJournal(
  id: string,
  file: FileSpec,
  port: MessagePort,
  onError: () => void,
): SpillJournal {
  return new SpillJournal({
    rec: id,
    path: file.path + JOURNAL_SUFFIX,
    rate: file.sampleRate,
    send: (m, transfer) => port.postMessage(m, transfer ?? []),
    syncIntervalMs: file.syncIntervalMs,
    onError,
    ...(file.seal ? { seal: file.seal } : {}),
  });
}

/** What {@link rollSegment} needs besides the recording. */
export interface RollOptions {
  next: string;
  file: FileSpec;
  /** The recording's encoder port (the new journal posts to it). */
  port: MessagePort;
  onJournalError: () => void;
}

/**
 * Moves a capture to its next segment at the current batch boundary (everything the
 * timeline emitted so far, journal included, went to the old file already): tells the
 * encoder to roll, and returns the old segment's report. From here the recording is
 * `next`, with its own journal; sockets, receivers, timeline and queue stay.
 */
export function rollSegment(rec: CaptureRecording, o: RollOptions): CaptureReport {
  const end = rec.timeline.emittedSamples;
  const report = captureReport(rec, end);
  const roll: ToEncoder = { t: "roll", rec: rec.id, next: o.next, file: o.file };
  rec.journal.send(roll);
  rec.journal.close();
  rec.formerIds.push(rec.id);
  rec.id = o.next;
  rec.journal = newJournal(o.next, o.file, o.port, o.onJournalError);
  rec.segmentStart = end;
  // A pause running at the roll continues in the new segment (from its start).
  const pauses = rec.timeline.pauses;
  rec.pauseBase = rec.timeline.paused ? pauses.length - 1 : pauses.length;
  return report;
}

/** Where and how {@link bindStreams} binds sockets. */
export interface BindOptions {
  /** Local address of the RTP sockets. */
  listen: string;
  /** Resamplers from a codec's rate to the recording's. */
  resampler: ResamplerFactory;
  /** A codec's decoder cannot be made (a native library missing): its packets are counted. */
  onDecoderError?: (codec: PayloadCodec, err: unknown) => void;
  /** Called once per stream, on its first RTP packet. */
  onFirstPacket: (rec: string, key: string) => void;
}

/**
 * Adds streams, or applies a re-offer's codecs, sources and ports to existing ones;
 * returns the ports newly bound. Throws naming the stream when a port cannot be bound.
 */
export async function bindStreams(
  rec: CaptureRecording,
  streams: CaptureStream[],
  o: BindOptions,
): Promise<number[]> {
  const ports: number[] = [];
  for (const s of streams) {
    applySrtp(rec.srtp, s);
    const codecs = new Map<number, PayloadCodec>(s.codecs);
    const spec = JSON.stringify(s.sources ?? null);
    const sources = s.sources ? sourceFilter(s.sources) : null;
    const existing = rec.receivers.get(s.key);
    const current = rec.captures.get(s.key);
    const decoders = await payloadDecoders(codecs, {
      rate: rec.timeline.rate,
      resampler: o.resampler,
      reuse: existing?.decoders,
      onError: o.onDecoderError,
    });
    if (existing) freeUnused(existing.decoders, decoders);
    if (existing && current?.port === s.port) {
      existing.setCodecs(codecs, decoders);
      if (rec.specs.get(s.key) !== spec) current.setSources(sources);
      rec.specs.set(s.key, spec);
      continue;
    }
    const rx = new StreamReceiver(s.key, s.channel, codecs, rec.timeline, decoders);
    let capture: UdpCapture;
    try {
      capture = UdpCapture.open({
        port: s.port,
        hostname: o.listen,
        rtcp: true,
        sources,
        // The packet path: no allocation, never throws (StreamReceiver counts and drops).
        onRtp: (bytes, arrivalMs) => {
          // SRTP: authenticated and decrypted in place, or dropped and counted.
          const srtp = rec.srtp.get(rx.key)?.rx;
          const n = srtp ? srtp.rtp(bytes, arrivalMs) : bytes.length;
          if (n < 0) return;
          rx.receive(n === bytes.length ? bytes : bytes.subarray(0, n), arrivalMs);
          rec.lastActivity = arrivalMs;
          if (!rec.mediaSeen.has(rx.key)) {
            rec.mediaSeen.add(rx.key);
            o.onFirstPacket(rec.id, rx.key);
          }
        },
        // RTCP alone keeps a call alive too (a one-way or silence-suppressed leg).
        // SRTCP is authenticated first (a forged report is counted, never trusted).
        onRtcp: (bytes, arrivalMs) => {
          if ((rec.srtp.get(rx.key)?.rx.rtcp(bytes, arrivalMs) ?? 0) < 0) return;
          if (rec.lastActivity !== 0) rec.lastActivity = arrivalMs;
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
    if (current) retireCapture(rec, s.key, current);
    rec.captures.set(s.key, capture);
    rec.specs.set(s.key, spec);
    ports.push(s.port);
  }
  return ports;
}

/** Closes a capture, keeping its counters for the recording's report. */
export function retireCapture(rec: CaptureRecording, key: string, capture: UdpCapture): void {
  const c = capture.toJSON();
  const kept = rec.closedCounts.get(key) ?? NO_COUNTS;
  rec.closedCounts.set(key, {
    foreign: kept.foreign + c.foreign,
    rtcpPackets: kept.rtcpPackets + c.rtcpPackets,
    oversize: kept.oversize + c.oversize,
  });
  capture.close();
}

/**
 * Closes every socket of a recording (their counters stay in `closedCounts`) and frees
 * its decoders: no packet reaches its receivers any more.
 */
export function closeSockets(rec: CaptureRecording): void {
  for (const [key, c] of rec.captures) retireCapture(rec, key, c);
  rec.captures.clear();
  closeSrtp(rec.srtp);
  for (const rx of rec.receivers.values()) freeUnused(rx.decoders);
}
