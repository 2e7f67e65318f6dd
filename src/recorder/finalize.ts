/**
 * Turns what the media workers report at the end of a recording into the row the
 * store keeps: state, file facts, flags, pauses with their sources, gaps. A file the
 * encoder could not finish (disk full, I/O error) is closed by recovery and marked
 * interrupted: audio already written is never thrown away, and its spill journal is
 * kept beside it as a playable WAV. Audio lost to a disk-full past the write budget
 * (stored as silence) becomes a gap on both channels, so the recording is flagged.
 */
import { recoverPartial } from "../codec/recording_file.ts";
import type { RecordingEnd } from "../store/queries/recording_writes.ts";
import type { ClosedRecording } from "./media_engine.ts";
import type { PauseMeta } from "./pause_control.ts";
import { JOURNAL_SUFFIX, salvageJournal } from "./spill_journal.ts";

/** Builds the finalize record; recovers the `.partial` when the encoder failed. */
export async function finishClosed(
  id: string,
  path: string,
  closed: ClosedRecording,
  pauseMeta: PauseMeta[],
  reason: string,
  now: Date,
): Promise<Omit<RecordingEnd, "path"> & { path: string }> {
  let file = closed.file;
  let interrupted = reason === "shutdown" || reason === "timeout";
  if (!file.ok) {
    interrupted = true;
    try {
      const r = await recoverPartial(`${path}.partial`);
      file = { ok: true, ...r };
    } catch {
      file = { ok: true, path, sha256: "", bytes: 0, durationMs: 0 };
    }
    // The encoder never replayed this journal into a finished file: keep its audio.
    await salvageJournal(`${path}${JOURNAL_SUFFIX}`).catch(() => {});
  }
  const lost = (file.ok ? file.lostSpans : undefined) ?? [];
  const streams = Object.entries(closed.report.streams);
  const withMedia = streams.filter(([, s]) => s.received > 0);
  const channelsWithMedia = new Set<number>();
  for (const [, s] of withMedia) channelsWithMedia.add(s.channel ?? 0);
  const streamStats: RecordingEnd["streamStats"] = {};
  for (const [label, s] of streams) {
    streamStats[label] = {
      stats: s,
      firstPacketAt: s.firstPacketAt,
      lastPacketAt: s.lastPacketAt,
      codecs: s.codecs ?? [],
    };
  }
  return {
    id,
    state: interrupted ? "interrupted" : "complete",
    endedAt: now,
    path: file.ok ? file.path : path,
    durationMs: file.ok ? file.durationMs : 0,
    sizeBytes: file.ok ? file.bytes : 0,
    sha256: file.ok ? file.sha256 : "",
    streamStats,
    pauses: closed.report.pauses.map((p, i) => ({
      ...p,
      source: pauseMeta[i]?.source ?? "api",
      reasonCode: pauseMeta[i]?.reasonCode ?? null,
      userId: pauseMeta[i]?.userId ?? null,
    })),
    gaps: [
      ...closed.report.gaps,
      ...lost.flatMap((s) => [0, 1].map((channel) => ({ channel, ...s }))),
    ],
    flags: {
      noMedia: withMedia.length === 0,
      oneWay: streams.length >= 2 && withMedia.length > 0 && channelsWithMedia.size === 1,
      interrupted,
      foreignMedia: streams.some(([, s]) => (s.foreignPackets ?? 0) > 0),
      sessionExpired: reason === "session-expired",
      mediaTimeout: reason === "media-timeout",
    },
  };
}
