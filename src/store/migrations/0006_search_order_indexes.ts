import { type Kysely, sql } from "kysely";

/** The flag columns that get a partial index of the rows where they are set. */
const FLAG_INDEXES = [
  "flag_interrupted",
  "flag_no_media",
  "flag_one_way",
  "flag_paused",
  "legal_hold",
] as const;

/**
 * Indexes that keep a supervisor's filtered page from scanning most of the table:
 * - rare flags: a partial (started_at, id) index of the rows where the flag is set;
 * - language with customer type, the pair a supervisor filters by most ("Spanish VIP
 *   calls"): one index instead of walking all of one language checking the type;
 * - metadata key=value: recording_metadata carries its recording's started_at (kept by
 *   triggers, whoever inserts), so the newest matches come straight off the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const flag of FLAG_INDEXES) {
    await sql`CREATE INDEX ${sql.raw(`recordings_${flag}`)}
      ON recordings(started_at DESC, id DESC) WHERE ${sql.raw(flag)} = 1`.execute(db);
  }
  await sql`CREATE INDEX recordings_language_type
    ON recordings(language, customer_type, started_at DESC, id DESC)`.execute(db);
  await sql`ALTER TABLE recording_metadata ADD COLUMN started_at TEXT`.execute(db);
  await sql`UPDATE recording_metadata SET started_at =
    (SELECT r.started_at FROM recordings r WHERE r.id = recording_metadata.recording_id)`
    .execute(db);
  await sql`CREATE INDEX recording_metadata_kv_started
    ON recording_metadata(key, value, started_at DESC, recording_id DESC)`.execute(db);
  await sql`DROP INDEX recording_metadata_kv`.execute(db);
  await sql`CREATE TRIGGER recording_metadata_started AFTER INSERT ON recording_metadata
    BEGIN
      UPDATE recording_metadata SET started_at =
        (SELECT r.started_at FROM recordings r WHERE r.id = NEW.recording_id)
      WHERE recording_id = NEW.recording_id AND key = NEW.key AND value = NEW.value;
    END`.execute(db);
  await sql`CREATE TRIGGER recordings_started_metadata AFTER UPDATE OF started_at ON recordings
    BEGIN
      UPDATE recording_metadata SET started_at = NEW.started_at WHERE recording_id = NEW.id;
    END`.execute(db);
}
