import { type Kysely, sql } from "kysely";

/**
 * Two end flags of issue 15's liveness work: `flag_session_expired` (no RFC 4028
 * session refresh in time; we sent BYE) and `flag_media_timeout` (media started and
 * then stopped for `rtp.inactivitySeconds`; we sent BYE). Rare, so each gets a partial
 * index of the rows where it is set, like the other rare flags.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const flag of ["session_expired", "media_timeout"]) {
    await sql`ALTER TABLE recordings ADD COLUMN ${sql.raw(`flag_${flag}`)}
      INTEGER NOT NULL DEFAULT 0`.execute(db);
    await sql`CREATE INDEX ${sql.raw(`recordings_flag_${flag}`)}
      ON recordings(started_at DESC, id DESC) WHERE ${sql.raw(`flag_${flag}`)} = 1`.execute(db);
  }
}
