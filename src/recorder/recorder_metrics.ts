/**
 * The recorder's `/metrics` samples from a snapshot of its state: calls in progress,
 * lifetime counters, and each encoder worker's load and backlog.
 */
import { counter, gauge, Histogram, type Sample } from "../metrics.ts";
import type { EncoderBacklog, EncoderLoad } from "./media_engine.ts";

/** Lifetime counters the recorder keeps. */
export interface RecorderCounts {
  started: number;
  complete: number;
  interrupted: number;
  fileErrors: number;
  notRecorded: number;
  /** Calls not recorded, by {@link notRecordedReason}. */
  notRecordedBy?: Record<string, number>;
  /** Each finished stream's RFC 3550 interarrival jitter (ms), for the histogram. */
  streamJitterMs?: Histogram;
  /** Recordings the no-media watchdog warned about. */
  noMedia: number;
  /** Recordings started, by sample rate (Hz). */
  startedByRate?: Record<string, number>;
  /** Finished streams, by each audio codec they carried (a re-INVITE counts both). */
  streamsByCodec?: Record<string, number>;
}

/** Counts a recording started at `rate` Hz. */
export function countStarted(c: RecorderCounts, rate: number): void {
  c.started++;
  const by = c.startedByRate ??= {};
  by[rate] = (by[rate] ?? 0) + 1;
}

/** Why a call was not recorded, as a small fixed set of metric label values. */
export type NotRecordedReason = "rule" | "quota-exhausted" | "not-sampled" | "no-rule-matched";

/**
 * The reason label of a decision not to record: a rule said so (`rule`, e.g. an
 * exclusion), or no rule took the call because its quota was used up, its sample missed
 * the call, or nothing matched (the default).
 */
export function notRecordedReason(
  d: { ruleId: string | null; trace: unknown },
): NotRecordedReason {
  if (d.ruleId !== null) return "rule";
  const rules = (d.trace as { rules?: { outcome?: string }[] } | null)?.rules;
  const outcomes = Array.isArray(rules) ? rules.map((r) => r?.outcome) : [];
  if (outcomes.includes("quota-exhausted")) return "quota-exhausted";
  if (outcomes.includes("not-sampled")) return "not-sampled";
  return "no-rule-matched";
}

/** Counts a call not recorded, in total and by reason. */
export function countNotRecorded(
  c: RecorderCounts,
  d: { ruleId: string | null; trace: unknown },
): void {
  c.notRecorded++;
  const reason = notRecordedReason(d);
  const by = c.notRecordedBy ??= {};
  by[reason] = (by[reason] ?? 0) + 1;
}

/** Upper bounds (ms) of the per-stream jitter histogram. */
export const JITTER_BUCKETS_MS = [1, 2, 5, 10, 20, 30, 50, 100, 200, 500] as const;

/**
 * Counts a finished recording by its state and observes the jitter of each of its
 * streams that received packets.
 */
export function countFinished(
  c: RecorderCounts,
  end: {
    state: "complete" | "interrupted";
    streamStats: Record<string, { stats: unknown; codecs?: readonly string[] }>;
  },
): void {
  c[end.state]++;
  const codecs = c.streamsByCodec ??= {};
  for (const s of Object.values(end.streamStats)) {
    for (const name of s.codecs ?? []) codecs[name] = (codecs[name] ?? 0) + 1;
  }
  const h = c.streamJitterMs ??= new Histogram(JITTER_BUCKETS_MS);
  for (const { stats } of Object.values(end.streamStats)) {
    const s = stats as { received?: number; jitterMs?: number } | null;
    if (s && (s.received ?? 0) > 0 && typeof s.jitterMs === "number") h.observe(s.jitterMs);
  }
}

/** What {@link recorderSamples} reads. */
export interface RecorderSnapshot {
  active: number;
  paused: number;
  counts: RecorderCounts;
  load: EncoderLoad[];
  backlog: EncoderBacklog[];
}

const BACKLOG_HELP = "Audio not yet encoded: queued at the encoder, or spilled to journals";

/** Samples for `/metrics`. */
export function recorderSamples(s: RecorderSnapshot): Sample[] {
  const c = s.counts;
  return [
    gauge("calls_active", "Signalled calls in progress", s.active),
    gauge("calls_paused", "Calls whose recording is paused now", s.paused),
    counter("recordings_started_total", "Recordings started", c.started),
    counter("recordings_finished_total", "Recordings finished", c.complete, { state: "complete" }),
    counter("recordings_finished_total", "Recordings finished", c.interrupted, {
      state: "interrupted",
    }),
    ...Object.entries(c.notRecordedBy ?? {}).sort().map(([reason, n]) =>
      counter("calls_not_recorded_total", "Calls the rules decided not to record, by reason", n, {
        reason,
      })
    ),
    ...Object.entries(c.startedByRate ?? {}).sort().map(([rate, n]) =>
      counter("recordings_started_by_rate_total", "Recordings started, by sample rate", n, {
        sample_rate: rate,
      })
    ),
    ...Object.entries(c.streamsByCodec ?? {}).sort().map(([codec, n]) =>
      counter("rtp_streams_by_codec_total", "Finished streams by each codec they carried", n, {
        codec,
      })
    ),
    counter("recording_file_errors_total", "Encoder file write failures", c.fileErrors),
    (c.streamJitterMs ?? new Histogram(JITTER_BUCKETS_MS)).sample(
      "rtp_stream_jitter_milliseconds",
      "RFC 3550 interarrival jitter of each finished stream",
    ),
    counter(
      "recordings_no_media_total",
      "Recordings with no RTP on any stream rtp.noMediaSeconds after they started",
      c.noMedia,
    ),
    ...s.load.flatMap((l, i) => [
      counter("encoder_audio_seconds_total", "Stereo audio encoded", l.samples / 8000, {
        worker: String(i),
      }),
      counter("encoder_busy_seconds_total", "Time spent in libopus", l.encodeMs / 1000, {
        worker: String(i),
      }),
      gauge(
        "recording_files_waiting_for_disk",
        "Files whose writes the disk refuses now",
        l.stalledFiles,
        {
          worker: String(i),
        },
      ),
      counter(
        "recording_disk_stalls_total",
        "Times a file's writes were refused (disk full, I/O error)",
        l.stalls,
        {
          worker: String(i),
        },
      ),
      counter(
        "recording_audio_lost_seconds_total",
        "Audio lost to a full disk past recorder.writeBufferBytes",
        l.lostMs / 1000,
        {
          worker: String(i),
        },
      ),
    ]),
    ...s.backlog.flatMap((b) => [
      gauge("encoder_backlog_seconds", BACKLOG_HELP, b.queuedSeconds, {
        worker: String(b.encoder),
        where: "queued",
      }),
      gauge("encoder_backlog_seconds", BACKLOG_HELP, b.journaledSeconds, {
        worker: String(b.encoder),
        where: "journal",
      }),
      counter("encoder_spills_total", "Recordings that started spilling to a journal", b.spills, {
        worker: String(b.encoder),
      }),
      counter("encoder_journal_errors_total", "Spill journal I/O failures", b.journalErrors, {
        worker: String(b.encoder),
      }),
    ]),
  ];
}
