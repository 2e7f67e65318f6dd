import { type Kysely, sql } from "kysely";

/**
 * Key management (issue 13): `key_rewrap_jobs` journals `selrec keys rotate` (a sealed
 * file's key slot rewritten in place: old and new slot kept until the row is switched) and
 * `seal_jobs` journals `selrec keys encrypt-existing` (a plain recording sealed beside
 * itself). A row lives only while its recording's step is in flight.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE key_rewrap_jobs (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id),
    location_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    old_key_id TEXT NOT NULL,
    old_slot BLOB NOT NULL,
    new_key_id TEXT NOT NULL,
    new_slot BLOB NOT NULL,
    created_at TEXT NOT NULL
  )`.execute(db);
  await sql`CREATE TABLE seal_jobs (
    recording_id TEXT PRIMARY KEY REFERENCES recordings(id),
    location_id INTEGER NOT NULL,
    plain_path TEXT NOT NULL,
    sealed_path TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`.execute(db);
}
