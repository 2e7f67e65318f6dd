import { type Kysely, sql } from "kysely";

/**
 * `recordings.multi_agent`: 1 when an agent other than `recordings.agent_id` is on the
 * recording (a transfer brought one in — recording_agents). Search and the hierarchy
 * check test `recordings.agent_id` first and probe recording_agents only for these rows,
 * so single-agent recordings (nearly all) cost no per-row subquery. A trigger on
 * recording_agents keeps it (whoever inserts), and existing rows are set here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN multi_agent INTEGER NOT NULL DEFAULT 0`
    .execute(db);
  await sql`UPDATE recordings SET multi_agent = 1 WHERE EXISTS (SELECT 1 FROM recording_agents ra
    WHERE ra.recording_id = recordings.id AND ra.agent_id IS NOT recordings.agent_id)`.execute(db);
  await sql`CREATE TRIGGER recording_agents_multi AFTER INSERT ON recording_agents
    WHEN NEW.agent_id IS NOT (SELECT agent_id FROM recordings WHERE id = NEW.recording_id)
    BEGIN
      UPDATE recordings SET multi_agent = 1 WHERE id = NEW.recording_id;
    END`.execute(db);
}
