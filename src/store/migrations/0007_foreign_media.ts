import { type Kysely, sql } from "kysely";

/**
 * `flag_foreign_media`: some stream of the recording received RTP or RTCP from a
 * source the media source policy refused (dropped, counted in the stream's stats).
 * Rare, so a partial index of the rows where it is set, like the other rare flags.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN flag_foreign_media INTEGER NOT NULL DEFAULT 0`
    .execute(db);
  await sql`CREATE INDEX recordings_flag_foreign_media
    ON recordings(started_at DESC, id DESC) WHERE flag_foreign_media = 1`.execute(db);
}
