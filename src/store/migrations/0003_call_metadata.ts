import { type Kysely, sql } from "kysely";

/**
 * Every call keeps its flattened metadata (recorded or not), so `rules simulate` can
 * re-run candidate rules over past calls, and reports can break down unrecorded calls.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calls ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}'`.execute(db);
}
