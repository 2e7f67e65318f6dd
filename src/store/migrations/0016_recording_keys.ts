import { type Kysely, sql } from "kysely";

/**
 * Encryption at rest (src/seal): `recordings.sealed` is 1 when the file is a sealed file
 * (AES-256-GCM chunks under a per-recording data key), and `recordings.key_id` names the
 * key-encryption key that wraps that data key (the file header holds the wrapped key).
 * Plain recordings have sealed 0 and key_id null. The index serves `selrec keys status`
 * and the start-up check that every KEK a recording needs is present.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE recordings ADD COLUMN key_id TEXT`.execute(db);
  await sql`CREATE INDEX recordings_key_id ON recordings (key_id) WHERE key_id IS NOT NULL`
    .execute(db);
}
