import { type Kysely, sql } from "kysely";

/**
 * `recording_claims` (issue 13): who may read, convert and switch a recording's file
 * right now. The key commands (`selrec keys rotate|encrypt-existing`) and the archive
 * loop each hold a recording's claim around their read-convert-switch window, so neither
 * reads a row the other is about to change. A claim names its holder (a token, its
 * process id) and expires; a claim of a dead process or past its expiry can be taken over.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE recording_claims (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id),
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    expires_at TEXT NOT NULL
  )`.execute(db);
}
