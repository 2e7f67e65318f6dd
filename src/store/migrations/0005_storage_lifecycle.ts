import { type Kysely, sql } from "kysely";

/**
 * Storage lifecycle: the archive pass and the spool quota read recordings by location and
 * state, oldest first; the purge pass reads live ones by age.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX recordings_location_state ON recordings(storage_location_id, state, created_at)`
    .execute(db);
  await sql`CREATE INDEX recordings_state_created ON recordings(state, created_at)`.execute(db);
}
