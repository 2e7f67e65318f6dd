/**
 * Messages between the main thread, the capture worker and the encoder workers.
 * The capture worker owns the RTP sockets; encoders own the files. Main never
 * touches a packet; capture never waits on encoding, disk or SQLite.
 */
import type { PayloadCodec, StreamReport } from "./stream_receiver.ts";
import type { GapSpan, PauseSpan, TimelineStats } from "./timeline.ts";
import type { SourceSpec } from "../rtp/source_policy.ts";
import type { SrtpProfileName } from "../rtp/srtp_ffi.ts";
import type { FileSeal } from "./file_seal.ts";

/** One negotiated stream to capture. */
export interface CaptureStream {
  /** Unique within the recording, e.g. the SDP label. */
  key: string;
  port: number;
  channel: 0 | 1;
  codecs: [number, PayloadCodec][];
  /** Who may send to it (rtp.sourcePolicy); absent: anyone, latched to the first. */
  sources?: SourceSpec;
  /**
   * SRTP (SDES): the SRC's master key || salt, for the capture worker only (wiped there
   * once libsrtp has it); `generation` changes with every new key. Absent: plain RTP.
   */
  srtp?: { suite: SrtpProfileName; keySalt: Uint8Array; generation: number };
}

/** File settings an encoder needs for one recording. */
export interface FileSpec {
  /** Final path; the encoder writes `<path>.partial` until finished. */
  path: string;
  format: "opus" | "wav";
  /**
   * The recording's sample rate (8000…48000): the capture timeline's rate, the encoder's
   * input rate (OpusHead input_sample_rate), the WAV's rate (16-bit PCM above 8000).
   */
  sampleRate: number;
  complexity: number;
  bitrate: number;
  /** Silence gate level in dBFS; null = encode every frame. */
  silenceGateDbfs: number | null;
  pageIntervalMs: number;
  syncIntervalMs: number;
  /** OpusTags comments `KEY=value`. */
  comments: string[];
  /** Encryption at rest: the file and its spill journal are sealed (file_seal.ts). */
  seal?: FileSeal;
  /**
   * Fault injection for tests only: the encoder sleeps this long before each PCM batch
   * of this recording, so it falls behind and the capture worker spills to the journal.
   */
  testEncodeDelayMs?: number;
}

/** Encoder queue bounds for one recording (see backlog_gate.ts). */
export interface BacklogOptions {
  /** Spill to the journal beyond this much audio queued at the encoder; default 4000. */
  highMs: number;
  /** Replay the journal once the queue is down to this; default 1000. */
  lowMs: number;
}

/** main → capture. */
export type ToCapture =
  | {
    t: "init";
    listen: string;
    depthMs: number;
    encoders: MessagePort[];
    /** No RTP/RTCP on any stream this long, after the first packet: report `idle`. */
    inactivityMs?: number;
    /**
     * Nice value the capture thread asks for (below 0 raises it above the rest of the
     * box); 0 leaves it. It answers with `priority` either way.
     */
    nice?: number;
  }
  | {
    t: "open";
    rec: string;
    streams: CaptureStream[];
    encoder: number;
    file: FileSpec;
    backlog?: BacklogOptions;
  }
  | { t: "update"; rec: string; streams: CaptureStream[] }
  /**
   * Segment roll: at the next batch boundary the audio of `rec` stops going to its file
   * and goes to `next`'s (same sockets, timeline and encoder); `rec` is finished and
   * reported as `rolled`, and `next` is the recording's id from then on.
   */
  | { t: "roll"; rec: string; next: string; file: FileSpec }
  | { t: "pause"; rec: string }
  | { t: "resume"; rec: string }
  | { t: "close"; rec: string }
  | { t: "abandon"; rec: string };

/** Live per-recording summary, from capture to main. */
export interface CaptureReport {
  rec: string;
  /** The recording's sample rate (its timeline's). */
  sampleRate: number;
  streams: Record<string, StreamReport>;
  timeline: TimelineStats;
  gaps: GapSpan[];
  pauses: PauseSpan[];
  emittedMs: number;
  /** Audio not yet encoded (queued at the encoder, spilled to the journal) and spills. */
  backlog: { queuedMs: number; journaledMs: number; spills: number; maxMs: number };
}

/** One encoder's backlog as the capture worker sees it. */
export interface EncoderBacklog {
  encoder: number;
  /** Seconds of audio posted to the encoder and not yet acknowledged. */
  queuedSeconds: number;
  /** Seconds of audio spilled to journals and not yet handed to the encoder. */
  journaledSeconds: number;
  /** Recordings spilling right now. */
  spilling: number;
  /** Recordings with a journal file open (it stays until the recording ends). */
  journals: number;
  /** Spill events since start (a recording starting to spill). */
  spills: number;
  /** Journal writes or syncs that failed since start. */
  journalErrors: number;
}

/** capture → main. */
export type FromCapture =
  /**
   * After init: the capture thread's priority, e.g. "nice -10" or "normal (why)", and
   * what decrypts the AES-CM SRTP suites there (OpenSSL's version, or the fallback).
   */
  | { t: "priority"; priority: string; srtpCrypto: string }
  | { t: "opened"; rec: string; ports: number[] }
  | { t: "open-failed"; rec: string; error: string }
  | { t: "media"; rec: string; key: string }
  /** Media had started and nothing (RTP or RTCP) came for `silentMs`; sent once. */
  | { t: "idle"; rec: string; silentMs: number }
  | { t: "closed"; report: CaptureReport }
  /** The segment `report.rec` ended at a roll (its figures are the segment's). */
  | { t: "rolled"; report: CaptureReport }
  | { t: "stats"; reports: CaptureReport[]; backlog: EncoderBacklog[] };

/** capture → encoder (over a MessagePort; ordered per recording). */
export type ToEncoder =
  | { t: "begin"; rec: string; file: FileSpec }
  | { t: "pcm"; rec: string; pcm: Int16Array }
  /**
   * Encode `bytes` of the journal from `offset` (stereo µ-law at 8 kHz, 16-bit PCM at
   * wider rates: spill_journal.ts), before any newer PCM.
   * The encoder removes the journal once the recording's file is finished.
   */
  | { t: "replay"; rec: string; path: string; offset: number; bytes: number }
  | { t: "end"; rec: string }
  /**
   * Finish the file of `rec` with its whole frames, and begin `next`'s file with the
   * samples left over, so every sample goes to exactly one file (no padding between).
   */
  | { t: "roll"; rec: string; next: string; file: FileSpec }
  | { t: "abandon"; rec: string };

/** encoder → capture (backpressure accounting): a PCM batch or a replay was encoded. */
export type EncoderAck = { t: "ack"; rec: string; samples: number };

/** encoder → main. */
export type FromEncoder =
  | { t: "ready"; backend: string; priority: string }
  | {
    t: "finished";
    rec: string;
    path: string;
    sha256: string;
    bytes: number;
    durationMs: number;
    /** Spans lost to a disk-full past the write budget (stored as silence). */
    lostSpans: { startMs: number; endMs: number }[];
  }
  | { t: "failed"; rec: string; error: string; code?: string }
  /** `samples`: audio encoded since start, in 1/8000 s (8 kHz samples) at any rate. */
  | ({ t: "load"; busyMs: number; encodeMs: number; samples: number } & DiskWaits);

/** One encoder's waits on a disk that refuses writes (see recording_file.ts). */
export interface DiskWaits {
  /** Files waiting for the disk now. */
  stalledFiles: number;
  /** Stall episodes of its files since start. */
  stalls: number;
  /** Audio lost to a full write budget since start, ms. */
  lostMs: number;
  /** The first error of the newest stall, e.g. "ENOSPC". */
  lastError: string | null;
}
