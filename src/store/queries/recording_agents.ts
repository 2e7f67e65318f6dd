/**
 * The agents on a recording with their spans, and the participants a transfer adds or
 * removes mid-call. Spans are ms from the recording's start, computed here from
 * `recordings.started_at`, so callers pass only the wall-clock time of the change.
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";
import type { RecordingAgentTable } from "../schema/recordings.ts";

/** ms from the recording's start to `at` (never negative), as SQL. */
function msSinceStart(recordingId: string, at: Date) {
  return sql<number>`max(0, CAST(round((julianday(${at.toISOString()}) -
    julianday((SELECT started_at FROM recordings WHERE id = ${recordingId}))) * 86400000)
    AS INTEGER))`;
}

/**
 * Records that the recording's agent is now `agentId` from `at`: the spans of the
 * others still on it end at `at`, and `agentId` gets a new span unless already on.
 */
export async function switchRecordingAgent(
  db: Db,
  recordingId: string,
  agentId: string,
  at: Date,
): Promise<void> {
  const open = await db.selectFrom("recording_agents").select("agent_id")
    .where("recording_id", "=", recordingId).where("left_ms", "is", null).execute();
  if (open.some((a) => a.agent_id === agentId)) return;
  await db.updateTable("recording_agents").set({ left_ms: msSinceStart(recordingId, at) })
    .where("recording_id", "=", recordingId).where("left_ms", "is", null).execute();
  await db.insertInto("recording_agents").values({
    recording_id: recordingId,
    agent_id: agentId,
    joined_ms: msSinceStart(recordingId, at),
    left_ms: null,
  }).onConflict((oc) => oc.doNothing()).execute();
}

/** A participant a transfer brought onto a recording. */
export interface JoinedParticipant {
  key: string;
  aor: string | null;
  name: string | null;
  role: "customer" | "agent" | "unknown";
  channel: number | null;
}

/**
 * A transfer changed who is on the recording: `joined` participants get rows from `at`,
 * participants whose key is in `left` get their span ended at `at`.
 */
export async function changeParticipants(
  db: Db,
  recordingId: string,
  change: { joined: JoinedParticipant[]; left: string[] },
  at: Date,
): Promise<void> {
  for (const p of change.joined) {
    await db.insertInto("participants").values({
      recording_id: recordingId,
      participant_key: p.key,
      aor: p.aor,
      name: p.name,
      role: p.role,
      channel: p.channel,
      joined_ms: msSinceStart(recordingId, at),
      left_ms: null,
    }).execute();
  }
  if (change.left.length === 0) return;
  await db.updateTable("participants").set({ left_ms: msSinceStart(recordingId, at) })
    .where("recording_id", "=", recordingId).where("participant_key", "in", change.left)
    .where("left_ms", "is", null).execute();
}

/** The agents on a recording with their spans, in the order they joined. */
export async function recordingAgents(
  db: Db,
  recordingId: string,
): Promise<RecordingAgentTable[]> {
  const rows = await db.selectFrom("recording_agents")
    .select(["recording_id", "agent_id", "joined_ms", "left_ms"])
    .where("recording_id", "=", recordingId).orderBy("joined_ms").orderBy("agent_id").execute();
  return rows.map((r) => ({ ...r }));
}
