import { type Kysely, sql } from "kysely";

/**
 * Quota charges per (scope, call): a call counts once per scope, and the call asking
 * is excluded from "used", so a re-INVITE or transfer keeps its decision.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE quota_charges (
    scope TEXT NOT NULL, call_key TEXT NOT NULL, period_start TEXT NOT NULL, charged_at TEXT NOT NULL,
    PRIMARY KEY (scope, call_key)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX quota_charges_period ON quota_charges(period_start)`.execute(db);
  await sql`DROP TABLE quota_counters`.execute(db);
}
