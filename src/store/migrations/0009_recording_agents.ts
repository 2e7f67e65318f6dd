import { type Kysely, sql } from "kysely";

/**
 * The agents on a recording with their spans (ms from the recording's start): the first
 * agent from the start, and each agent a transfer brought in from the time they joined.
 * Search by agent and the org-hierarchy check read these rows, so every agent who took
 * part — and every supervisor above each of them — finds the recording.
 * `recordings.agent_id` stays the first agent (display, reports); a trigger gives every
 * recording inserted with one (whoever inserts) its row from 0, and existing recordings
 * get theirs here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE recording_agents (
    recording_id TEXT NOT NULL REFERENCES recordings(id),
    agent_id TEXT NOT NULL,
    joined_ms INTEGER NOT NULL,
    left_ms INTEGER,
    PRIMARY KEY (recording_id, agent_id, joined_ms)
  ) WITHOUT ROWID`.execute(db);
  await sql`CREATE INDEX recording_agents_agent ON recording_agents(agent_id, recording_id)`
    .execute(db);
  await sql`INSERT INTO recording_agents (recording_id, agent_id, joined_ms, left_ms)
    SELECT id, agent_id, 0, NULL FROM recordings WHERE agent_id IS NOT NULL AND agent_id != ''`
    .execute(db);
  await sql`CREATE TRIGGER recordings_first_agent AFTER INSERT ON recordings
    WHEN NEW.agent_id IS NOT NULL AND NEW.agent_id != ''
    BEGIN
      INSERT OR IGNORE INTO recording_agents (recording_id, agent_id, joined_ms, left_ms)
      VALUES (NEW.id, NEW.agent_id, 0, NULL);
    END`.execute(db);
}
