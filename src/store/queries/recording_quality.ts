/** The per-recording quality figure (migration 0019): its streams' codec and stats in, MOS out. */
import type { Db } from "../db.ts";

/** A recording's streams as the quality estimate reads them. */
export async function streamsOfRecording(
  db: Db,
  recordingId: string,
): Promise<{ codec: string; stats: string }[]> {
  return await db.selectFrom("streams").select(["codec", "stats"])
    .where("recording_id", "=", recordingId).orderBy("id").execute();
}

/** Stores a recording's estimated MOS (null: no stream with an estimate). */
export async function setRecordingMos(
  db: Db,
  recordingId: string,
  mos: number | null,
): Promise<void> {
  await db.updateTable("recordings").set({ mos }).where("id", "=", recordingId).execute();
}
