/**
 * Files of deleted recordings. A delete marks the row `deleted` (with its audit entry) and
 * only then removes the file; a crash between the two leaves a deleted row with a file,
 * which {@link sweepDeletedFiles} removes later. Never a missing file on a live row.
 */
import type { Db } from "../store/db.ts";
import type { Logger } from "../log.ts";
import { listDeletedRecordingIds, recordingFileLocation } from "../store/queries/recording_rows.ts";
import { resolveInside } from "./resolve_file.ts";

/** Removes the file of recording `id` inside its storage root; false when none was removed. */
export async function removeRecordingFile(db: Db, id: string, log: Logger): Promise<boolean> {
  const row = await recordingFileLocation(db, id);
  const path = row ? await resolveInside(row.root, row.rel) : null;
  if (!path) return false;
  try {
    await Deno.remove(path);
    return true;
  } catch (err) {
    log.warn("cannot remove deleted recording's file; the sweep will retry", { id, error: err });
    return false;
  }
}

/** Removes files still present for deleted recordings (after a crash); returns the count. */
export async function sweepDeletedFiles(db: Db, log: Logger): Promise<number> {
  let removed = 0;
  for (const id of await listDeletedRecordingIds(db)) {
    if (await removeRecordingFile(db, id, log)) removed++;
  }
  return removed;
}
