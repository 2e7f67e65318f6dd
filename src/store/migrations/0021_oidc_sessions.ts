import { type Kysely, sql } from "kysely";

/**
 * OpenID Connect sign-in (issue 18): `oidc_sessions` keeps, per web session of a single
 * sign-on user, the ID token the provider issued, so that sign-out can end the session
 * at the provider too (RP-initiated logout's `id_token_hint`). The row goes with its
 * session (ON DELETE CASCADE). Users from the provider are `users.source = 'oidc'`, with
 * the provider's `sub` in `directory_dn`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE oidc_sessions (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    id_token TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID`.execute(db);
}
