import { type Kysely, sql } from "kysely";

/**
 * Agent and number search, and walks, within a supervisor's scope at a million rows
 * (issue 17).
 * `recording_agents.multi`: 1 on every agent row of a recording that has more than one
 * agent (`recordings.multi_agent`, migration 0015), with a partial NOCASE index of those
 * rows. A supervisor's agent-prefix search is resolved to their own matching agents (an
 * id list on the agent index); a transferred call can match through one agent and be
 * visible through another, and this index finds those few rows by the prefix alone.
 * Triggers keep the flag whoever writes: when a recording becomes multi-agent, and when
 * an agent row is added to a recording that already is.
 * A number prefix within the scope: `(agent_id, ani)` and `(agent_id, dnis)` seek each of
 * the scope's agents, and partial indexes of the multi-agent recordings' numbers find
 * the transferred calls the scope may see through another agent.
 * `recordings_started` (the page order every walk follows) also carries the columns a
 * walk tests most (state, first agent, multi-agent flag, MOS): SQLite tests those on the
 * index entry and reads the row only when they pass, so a supervisor's walk skips the
 * other teams' rows without reading them (rebuilt here: seconds at a million rows).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recording_agents ADD COLUMN multi INTEGER NOT NULL DEFAULT 0`.execute(db);
  await sql`UPDATE recording_agents SET multi = 1
    WHERE recording_id IN (SELECT id FROM recordings WHERE multi_agent = 1)`.execute(db);
  await sql`CREATE TRIGGER recordings_multi_agents AFTER UPDATE OF multi_agent ON recordings
    WHEN NEW.multi_agent = 1
    BEGIN
      UPDATE recording_agents SET multi = 1 WHERE recording_id = NEW.id AND multi = 0;
    END`.execute(db);
  await sql`CREATE TRIGGER recording_agents_multi_row AFTER INSERT ON recording_agents
    WHEN NEW.multi = 0 AND (SELECT multi_agent FROM recordings WHERE id = NEW.recording_id) = 1
    BEGIN
      UPDATE recording_agents SET multi = 1 WHERE recording_id = NEW.recording_id
        AND agent_id = NEW.agent_id AND joined_ms = NEW.joined_ms;
    END`.execute(db);
  await sql`CREATE INDEX recording_agents_multi ON recording_agents(agent_id COLLATE NOCASE,
    recording_id) WHERE multi = 1`.execute(db);
  await sql`DROP INDEX recordings_started`.execute(db);
  await sql`CREATE INDEX recordings_started ON recordings(started_at DESC, id DESC, state,
    agent_id, multi_agent, mos)`.execute(db);
  for (const col of ["ani", "dnis"]) {
    await sql`CREATE INDEX ${sql.raw(`recordings_agent_${col}`)}
      ON recordings(agent_id, ${sql.raw(col)})`.execute(db);
    await sql`CREATE INDEX ${sql.raw(`recordings_multi_${col}`)}
      ON recordings(${sql.raw(col)}) WHERE multi_agent = 1`.execute(db);
  }
}
