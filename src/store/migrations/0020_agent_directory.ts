import { type Kysely, sql } from "kysely";

/**
 * The agent directory (issue 18): agents sit in the org hierarchy without a user account.
 * `agents` is rebuilt with where each agent came from and whether it is still there:
 *
 * - `extension` and `dn`: the agent's phone extension and directory DN, as imported;
 * - `source`: `csv` (`selrec agents import`), `ldap` (the scheduled directory search) or
 *   `manual` (placed by hand; every row made before this migration). An import only ever
 *   removes agents of its own source;
 * - `removed_at`: set when the agent's source no longer lists them. The row and its unit
 *   stay, so recordings made while they worked there keep their place in the hierarchy;
 * - `updated_at`: the last change by an import or a move.
 *
 * `calls_agent` lets the unknown-agents list walk distinct agent ids of calls with one
 * index seek each (no full scan of calls). `users_agent` serves the access rule's
 * fallback for agents the directory lacks (a user carrying the agent id), which scanned
 * users once per such recording.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE agents_new (
    agent_id TEXT PRIMARY KEY,
    name TEXT,
    extension TEXT,
    dn TEXT,
    org_unit_id INTEGER REFERENCES org_units(id),
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('csv', 'ldap', 'manual')),
    removed_at TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`.execute(db);
  await sql`INSERT INTO agents_new (agent_id, name, org_unit_id)
    SELECT agent_id, name, org_unit_id FROM agents`.execute(db);
  await sql`DROP TABLE agents`.execute(db);
  await sql`ALTER TABLE agents_new RENAME TO agents`.execute(db);
  await sql`CREATE INDEX agents_unit ON agents(org_unit_id, name)`.execute(db);
  await sql`CREATE INDEX calls_agent ON calls(agent_id, started_at)`.execute(db);
  await sql`CREATE INDEX users_agent ON users(agent_id)`.execute(db);
}
