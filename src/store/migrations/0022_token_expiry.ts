import { type Kysely, sql } from "kysely";

/**
 * API tokens expire (issue 17: tokens that cannot be created useless): `expires_at`, an
 * ISO time after which the token no longer authenticates. Tokens made before this
 * migration keep NULL (no expiry) so running integrations do not stop; the admin page
 * lists them as such.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_tokens ADD COLUMN expires_at TEXT`.execute(db);
}
