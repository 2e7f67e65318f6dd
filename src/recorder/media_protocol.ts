/**
 * Messages between the main thread, the capture worker and the encoder workers.
 * The capture worker owns the RTP sockets; encoders own the files. Main never
 * touches a packet; capture never waits on encoding, disk or SQLite.
 */
import type { PayloadCodec, StreamReport } from "./stream_receiver.ts";
import type { GapSpan, PauseSpan, TimelineStats } from "./timeline.ts";

/** One negotiated stream to capture. */
export interface CaptureStream {
  /** Unique within the recording, e.g. the SDP label. */
  key: string;
  port: number;
  channel: 0 | 1;
  codecs: [number, PayloadCodec][];
}

/** File settings an encoder needs for one recording. */
export interface FileSpec {
  /** Final path; the encoder writes `<path>.partial` until finished. */
  path: string;
  format: "opus" | "wav";
  complexity: number;
  bitrate: number;
  pageIntervalMs: number;
  syncIntervalMs: number;
  /** OpusTags comments `KEY=value`. */
  comments: string[];
}

/** main → capture. */
export type ToCapture =
  | { t: "init"; listen: string; depthMs: number; encoders: MessagePort[] }
  | { t: "open"; rec: string; streams: CaptureStream[]; encoder: number; file: FileSpec }
  | { t: "update"; rec: string; streams: CaptureStream[] }
  | { t: "pause"; rec: string }
  | { t: "resume"; rec: string }
  | { t: "close"; rec: string }
  | { t: "abandon"; rec: string };

/** Live per-recording summary, from capture to main. */
export interface CaptureReport {
  rec: string;
  streams: Record<string, StreamReport>;
  timeline: TimelineStats;
  gaps: GapSpan[];
  pauses: PauseSpan[];
  emittedMs: number;
}

/** capture → main. */
export type FromCapture =
  | { t: "opened"; rec: string; ports: number[] }
  | { t: "open-failed"; rec: string; error: string }
  | { t: "media"; rec: string; key: string }
  | { t: "closed"; report: CaptureReport }
  | { t: "stats"; reports: CaptureReport[] };

/** capture → encoder (over a MessagePort; ordered per recording). */
export type ToEncoder =
  | { t: "begin"; rec: string; file: FileSpec }
  | { t: "pcm"; rec: string; pcm: Int16Array }
  | { t: "end"; rec: string }
  | { t: "abandon"; rec: string };

/** encoder → capture (backpressure accounting). */
export type EncoderAck = { t: "ack"; rec: string; samples: number };

/** encoder → main. */
export type FromEncoder =
  | { t: "ready"; backend: string }
  | {
    t: "finished";
    rec: string;
    path: string;
    sha256: string;
    bytes: number;
    durationMs: number;
  }
  | { t: "failed"; rec: string; error: string; code?: string }
  | { t: "load"; busyMs: number; encodeMs: number; samples: number };
