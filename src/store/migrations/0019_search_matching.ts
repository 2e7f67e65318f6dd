import { type Kysely, sql } from "kysely";

/**
 * Search that forgives, still index-backed at a million rows:
 * - case-insensitive matching: the text filters compare `COLLATE NOCASE`, so their
 *   indexes are rebuilt with that collation (customer, business unit, language, customer
 *   type, the language + type pair; agent gets a NOCASE index beside the binary one that
 *   the access rule and reports use, and so does recording_agents). Prefix matching of
 *   ids and numbers is a range over the same indexes;
 * - `recordings.mos`: the estimated MOS (ITU-T G.107) of the recording's worst stream,
 *   stored when it finishes (null before, and for rows finished before this migration),
 *   indexed for the quality filter, the MOS sort and the quality report;
 * - `recordings_duration`: the duration sort;
 * - `saved_searches`: a user's named search form (the query string).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const nocase = [
    ["recordings_customer", "customer_id"],
    ["recordings_bu", "business_unit"],
    ["recordings_language", "language"],
    ["recordings_customer_type", "customer_type"],
  ] as const;
  for (const [name, column] of nocase) {
    await sql`DROP INDEX ${sql.raw(name)}`.execute(db);
    await sql`CREATE INDEX ${sql.raw(name)}
      ON recordings(${sql.raw(column)} COLLATE NOCASE, started_at DESC, id DESC)`.execute(db);
  }
  await sql`DROP INDEX recordings_language_type`.execute(db);
  await sql`CREATE INDEX recordings_language_type ON recordings(language COLLATE NOCASE,
    customer_type COLLATE NOCASE, started_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX recordings_agent_nocase
    ON recordings(agent_id COLLATE NOCASE, started_at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX recording_agents_agent_nocase
    ON recording_agents(agent_id COLLATE NOCASE, recording_id)`.execute(db);
  await sql`CREATE INDEX recordings_duration ON recordings(duration_ms, id)`.execute(db);
  await sql`ALTER TABLE recordings ADD COLUMN mos REAL`.execute(db);
  await sql`CREATE INDEX recordings_mos ON recordings(mos, id)`.execute(db);
  await sql`CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, name)
  )`.execute(db);
}
