import { type Kysely, sql } from "kysely";

/**
 * A recording's partitions live in `recording_partitions` rows only: the comma string in
 * `recordings.partitions` (written beside the rows since 0001) is dropped. Rows are first
 * filled from the string for any recording that lacks them, split on `,` and trimmed as
 * the recorder wrote it. No index, trigger or view refers to the column (SQLite ≥ 3.35
 * DROP COLUMN refuses otherwise).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`INSERT OR IGNORE INTO recording_partitions (recording_id, partition)
    WITH RECURSIVE split(recording_id, part, rest) AS (
      SELECT id, '', partitions || ',' FROM recordings WHERE partitions != ''
      UNION ALL
      SELECT recording_id, trim(substr(rest, 1, instr(rest, ',') - 1)),
        substr(rest, instr(rest, ',') + 1)
      FROM split WHERE rest != ''
    )
    SELECT recording_id, part FROM split WHERE part != ''`.execute(db);
  await sql`ALTER TABLE recordings DROP COLUMN partitions`.execute(db);
}
