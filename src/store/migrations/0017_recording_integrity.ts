import { type Kysely, sql } from "kysely";

/**
 * The integrity flag of issue 13: `integrity_failed_at` (when a read or the scrubber
 * found the stored bytes differ from what the box wrote: a plain file whose SHA-256 no
 * longer matches, or a sealed chunk that fails authentication) and `integrity_detail`
 * (how). Null while the recording verifies. Rare, so a partial index of the flagged rows
 * serves the search filter and the scrubber's count.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN integrity_failed_at TEXT`.execute(db);
  await sql`ALTER TABLE recordings ADD COLUMN integrity_detail TEXT`.execute(db);
  await sql`CREATE INDEX recordings_integrity_failed
    ON recordings(started_at DESC, id DESC) WHERE integrity_failed_at IS NOT NULL`.execute(db);
}
