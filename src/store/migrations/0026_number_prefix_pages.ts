import { type Kysely, sql } from "kysely";

/**
 * Number-prefix pages at a million rows (issue 17):
 * - `recordings_started` (the page order every walk follows) also carries ANI and DNIS,
 *   so a broad number prefix walked newest first is tested on the index entry and only
 *   its matches are read (rebuilt here: seconds at a million rows);
 * - the scope's `(agent_id, ani|dnis)` indexes and the multi-agent partial ones of
 *   migration 0025 also carry `(started_at, id)`: a supervisor's number prefix orders
 *   its candidates on the index entries and reads only the rows of the page.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX recordings_started`.execute(db);
  await sql`CREATE INDEX recordings_started ON recordings(started_at DESC, id DESC, state,
    agent_id, multi_agent, mos, ani, dnis)`.execute(db);
  for (const col of ["ani", "dnis"]) {
    await sql`DROP INDEX ${sql.raw(`recordings_agent_${col}`)}`.execute(db);
    await sql`CREATE INDEX ${sql.raw(`recordings_agent_${col}`)}
      ON recordings(agent_id, ${sql.raw(col)}, started_at, id)`.execute(db);
    await sql`DROP INDEX ${sql.raw(`recordings_multi_${col}`)}`.execute(db);
    await sql`CREATE INDEX ${sql.raw(`recordings_multi_${col}`)}
      ON recordings(${sql.raw(col)}, started_at, id) WHERE multi_agent = 1`.execute(db);
  }
}
