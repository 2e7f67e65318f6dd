import { type Kysely, sql } from "kysely";

/**
 * Recording segments (issue 15, `recorder.maxSegmentSeconds`): a call longer than the
 * longest file continues in a new recording of the same call. `segment` numbers them
 * from 1 (every existing recording is segment 1 of its own); `previous_recording_id`
 * links a segment to the one it continues (null for the first). The next segment is
 * found through the partial index of the rows that have a previous one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN segment INTEGER NOT NULL DEFAULT 1`.execute(db);
  await sql`ALTER TABLE recordings ADD COLUMN previous_recording_id TEXT
    REFERENCES recordings(id)`.execute(db);
  await sql`CREATE INDEX recordings_previous ON recordings(previous_recording_id)
    WHERE previous_recording_id IS NOT NULL`.execute(db);
}
