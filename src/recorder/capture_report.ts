/**
 * The capture statistics of one recording (or of its current segment): per stream the
 * receiver's figures plus its sockets' counters (live and retired), SRTP figures, the
 * timeline's gaps and pauses cut and shifted to the segment, and the encoder backlog.
 */
import { srtpReport } from "./capture_srtp.ts";
import type { CaptureReport } from "./media_protocol.ts";
import type { GapSpan, PauseSpan } from "./timeline.ts";
import type { CaptureCounts, CaptureRecording } from "./capture_recording.ts";

/** Counters of a stream that had no socket yet. */
export const NO_COUNTS: CaptureCounts = { foreign: 0, rtcpPackets: 0, oversize: 0 };

/** Closed plus live counters of one stream's sockets. */
function counts(rec: CaptureRecording, key: string): CaptureCounts {
  const kept = rec.closedCounts.get(key) ?? NO_COUNTS;
  const live = rec.captures.get(key)?.toJSON();
  return {
    foreign: kept.foreign + (live?.foreign ?? 0),
    rtcpPackets: kept.rtcpPackets + (live?.rtcpPackets ?? 0),
    oversize: kept.oversize + (live?.oversize ?? 0),
  };
}

/**
 * The current segment's statistics: per stream (since the capture began), timeline,
 * gaps and pauses (in ms from the segment's start, cut at `end` samples when given),
 * and backlog.
 */
export function captureReport(rec: CaptureRecording, end?: number): CaptureReport {
  const streams: CaptureReport["streams"] = {};
  const perMs = rec.timeline.rate / 1000;
  for (const [k, rx] of rec.receivers) {
    const c = counts(rec, k);
    streams[k] = {
      ...rx.stats(),
      foreignPackets: c.foreign,
      rtcpPackets: c.rtcpPackets,
      oversizePackets: c.oversize,
      ...srtpReport(rec.srtp, k),
    };
  }
  return {
    rec: rec.id,
    sampleRate: rec.timeline.rate,
    streams,
    timeline: rec.timeline.stats,
    gaps: segmentGaps(
      rec.timeline.gaps,
      rec.segmentStart / perMs,
      end === undefined ? Infinity : end / perMs,
    ),
    pauses: segmentPauses(
      rec.timeline.pauses.slice(rec.pauseBase),
      rec.segmentStart / perMs,
      end === undefined ? null : end / perMs,
    ),
    emittedMs: ((end ?? rec.timeline.emittedSamples) - rec.segmentStart) / perMs,
    backlog: {
      queuedMs: rec.gate.queuedSamples / perMs,
      journaledMs: rec.gate.journaledSamples / perMs,
      spills: rec.gate.spills,
      maxMs: rec.gate.toJSON().maxBacklogSamples / perMs,
    },
  };
}

/** Gaps overlapping [fromMs, toMs), cut to it and shifted to start at `fromMs`. */
export function segmentGaps(gaps: readonly GapSpan[], fromMs: number, toMs: number): GapSpan[] {
  return gaps.filter((g) => g.endMs > fromMs && g.startMs < toMs).map((g) => ({
    channel: g.channel,
    startMs: Math.max(g.startMs, fromMs) - fromMs,
    endMs: Math.min(g.endMs, toMs) - fromMs,
  }));
}

/**
 * Pauses shifted to a segment starting at `fromMs`; with `toMs` (a segment that ended)
 * one still running is cut there.
 */
export function segmentPauses(
  pauses: readonly PauseSpan[],
  fromMs: number,
  toMs: number | null,
): PauseSpan[] {
  return pauses.map((p) => {
    const end = p.endMs ?? toMs;
    const startMs = Math.min(Math.max(p.startMs, fromMs), toMs ?? Infinity);
    return {
      startMs: startMs - fromMs,
      endMs: end === null ? null : Math.max(end, startMs) - fromMs,
    };
  });
}
