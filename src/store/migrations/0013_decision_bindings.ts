import { type Kysely, sql } from "kysely";

/**
 * Decisions the API made for a call that has not reached the recorder yet: one row per
 * call key the request named (UCID, Call-ID, SIPREC session id), with the decision's
 * outcome as JSON and the token that asked. The recorder looks its new SIPREC call's keys
 * up here (synchronously, on the `(key, decided_at)` index) and honours a binding made
 * within `decisions.bindSeconds`; rows past the window are pruned on insert, by
 * `decided_at`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE decision_bindings (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    decision_id INTEGER NOT NULL REFERENCES rule_decisions(id),
    token_id INTEGER,
    token_name TEXT,
    outcome TEXT NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX decision_bindings_key ON decision_bindings(key, decided_at)`
    .execute(db);
  await sql`CREATE INDEX decision_bindings_at ON decision_bindings(decided_at)`.execute(db);
}
