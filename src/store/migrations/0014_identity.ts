import { type Kysely, sql } from "kysely";

/**
 * Identity (issue 18): where a user comes from and their second factor.
 *
 * - `users.source`: `local` (password in `password_hash`; break-glass accounts) or `ldap`
 *   (the directory checks the password; `password_hash` holds a value no password
 *   matches). `directory_dn` is the user's DN; `directory_checked_at` the last time the
 *   directory confirmed the grant; `directory_denied` is set when the directory no longer
 *   grants access (sessions and tokens of the user stop working until a sign-in the
 *   directory grants again).
 * - `user_mfa`: one TOTP secret per user (base32, stored only here and never logged);
 *   `confirmed_at` NULL while enrolment waits for the first code; `last_step` is the last
 *   accepted time step, so a code cannot be used twice.
 * - `mfa_recovery_codes`: SHA-256 of each one-time recovery code and when it was used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local'`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN directory_dn TEXT`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN directory_checked_at TEXT`.execute(db);
  await sql`ALTER TABLE users ADD COLUMN directory_denied INTEGER NOT NULL DEFAULT 0`.execute(db);
  await sql`CREATE TABLE user_mfa (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER NOT NULL DEFAULT 0
  )`.execute(db);
  await sql`CREATE TABLE mfa_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
  ) WITHOUT ROWID`.execute(db);
}
