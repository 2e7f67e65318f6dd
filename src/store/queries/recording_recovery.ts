/**
 * What the startup recovery sweep (src/recorder/recovery.ts) asks of the store: the
 * recordings left `recording` on the spool, closing each as interrupted, complete or
 * missing, and adopting an orphan file as a recording of its own recovered call.
 */
import type { Db } from "../db.ts";
import { callRow, inTransaction, recordingRow } from "./recording_writes.ts";

/** Recordings on the spool location still in state `recording` (a crash cut them off). */
export async function unfinishedRecordings(
  db: Db,
  spoolId: number,
): Promise<{ id: string; path: string }[]> {
  return await db.selectFrom("recordings").select(["id", "path"])
    .where("state", "=", "recording").where("storage_location_id", "=", spoolId).execute();
}

/** A file as recovery found and closed it. */
export interface RecoveredFile {
  durationMs: number;
  bytes: number;
  sha256: string;
}

/** Closes a recording whose `.partial` was recovered: `interrupted`, still playable. */
export async function closeInterrupted(
  db: Db,
  id: string,
  file: RecoveredFile,
  at: Date,
): Promise<void> {
  await db.updateTable("recordings").set({
    state: "interrupted",
    flag_interrupted: 1,
    ended_at: at.toISOString(),
    duration_ms: Math.round(file.durationMs),
    size_bytes: file.bytes,
    sha256: file.sha256,
  }).where("id", "=", id).execute();
}

/** Closes a recording whose final file exists (the crash fell between rename and update). */
export async function closeCompleted(
  db: Db,
  id: string,
  file: { bytes: number; sha256: string },
  at: Date,
): Promise<void> {
  await db.updateTable("recordings").set({
    state: "complete",
    ended_at: at.toISOString(),
    size_bytes: file.bytes,
    sha256: file.sha256,
  }).where("id", "=", id).execute();
}

/** Marks a recording whose file is gone. */
export async function markMissing(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable("recordings").set({ state: "missing", ended_at: at.toISOString() })
    .where("id", "=", id).execute();
}

/**
 * Adopts an orphan file (no row knows it) as an interrupted recording of a call of its
 * own (`orphan:<stem>`, ended `recovered`), in one transaction. The recording keeps the
 * file's stem as id unless that id is taken. Returns the recording id.
 */
export async function adoptOrphan(db: Db, orphan: {
  stem: string;
  /** Path relative to the spool. */
  path: string;
  format: "opus" | "wav";
  spoolId: number;
  file: RecoveredFile;
  at: Date;
}): Promise<string> {
  const { stem, file, at } = orphan;
  const ts = at.toISOString();
  return await inTransaction(db, async (tx) => {
    const taken = await tx.selectFrom("recordings").select("id").where("id", "=", stem)
      .executeTakeFirst();
    const id = taken ? crypto.randomUUID() : stem;
    const callId = crypto.randomUUID();
    await tx.insertInto("calls").values({
      ...callRow({
        id: callId,
        callKey: `orphan:${stem}`,
        source: "fork",
        sipCallId: null,
        siprecSessionId: null,
        fields: {},
        startedAt: at,
        recorded: true,
        metadata: {},
      }),
      ended_at: ts,
      end_reason: "recovered",
    }).execute();
    await tx.insertInto("recordings").values({
      ...recordingRow({
        id,
        callId,
        format: orphan.format,
        startedAt: at,
        path: orphan.path,
        storageLocationId: orphan.spoolId,
        fields: {},
        decision: null,
        expiresAt: null,
      }),
      state: "interrupted",
      ended_at: ts,
      duration_ms: Math.round(file.durationMs),
      size_bytes: file.bytes,
      sha256: file.sha256,
      flag_interrupted: 1,
    }).execute();
    return id;
  });
}
