/**
 * The recording's estimated MOS, stored when it finishes so search can filter and sort
 * by quality and reports can average it: the worst stream's E-model estimate (a call
 * is as good as its worse leg), over streams with packets and a codec G.113 lists.
 */
import type { Db } from "../store/db.ts";
import { setRecordingMos, streamsOfRecording } from "../store/queries/recording_quality.ts";
import { estimateQuality } from "./quality.ts";

function num(stats: Record<string, unknown>, key: string): number | null {
  const v = stats[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The worst stream's MOS rounded to 0.01, or null when no stream has an estimate. */
export function worstStreamMos(
  streams: readonly { codec: string; stats: string }[],
): number | null {
  let worst: number | null = null;
  for (const s of streams) {
    let stats: Record<string, unknown>;
    try {
      const v = JSON.parse(s.stats);
      stats = v && typeof v === "object" ? v : {};
    } catch {
      continue;
    }
    const expected = num(stats, "expected"), lost = num(stats, "lost");
    const jitterMs = num(stats, "jitterMs");
    if (expected === null || expected <= 0 || lost === null || jitterMs === null) continue;
    const q = estimateQuality({ codec: s.codec, expected, lost, jitterMs });
    if (q && (worst === null || q.mos < worst)) worst = q.mos;
  }
  return worst === null ? null : Math.round(worst * 100) / 100;
}

/** Computes and stores the MOS of a finished recording from its stored stream stats. */
export async function storeRecordingMos(db: Db, recordingId: string): Promise<void> {
  await setRecordingMos(db, recordingId, worstStreamMos(await streamsOfRecording(db, recordingId)));
}
