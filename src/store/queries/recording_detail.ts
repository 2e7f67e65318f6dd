/**
 * The recording page's reads besides the row itself: participants, streams, metadata,
 * pauses, gaps, the call's decisions, partitions, agents and segments, and the spans
 * the waveform draws.
 */
import type { Db } from "../db.ts";
import type { Recording } from "../schema/recordings.ts";
import { hasNextSegment, listSegments } from "./recording_segments.ts";

/** Everything the recording page shows besides the row itself. */
export async function recordingDetail(db: Db, rec: Recording) {
  const [participants, streams, metadata, pauses, gaps, decisions, call, partitions, agents] =
    await Promise.all([
      db.selectFrom("participants").selectAll().where("recording_id", "=", rec.id)
        .orderBy("joined_ms").orderBy("channel").execute(),
      db.selectFrom("streams").selectAll().where("recording_id", "=", rec.id).orderBy("id")
        .execute(),
      db.selectFrom("recording_metadata").selectAll().where("recording_id", "=", rec.id)
        .orderBy("key").execute(),
      db.selectFrom("pauses").selectAll().where("recording_id", "=", rec.id).orderBy("start_ms")
        .execute(),
      db.selectFrom("gaps").selectAll().where("recording_id", "=", rec.id).orderBy("start_ms")
        .execute(),
      db.selectFrom("rule_decisions").selectAll().where("call_id", "=", rec.call_id).orderBy("id")
        .execute(),
      db.selectFrom("calls").selectAll().where("id", "=", rec.call_id).executeTakeFirst(),
      db.selectFrom("recording_partitions").select("partition").where("recording_id", "=", rec.id)
        .execute(),
      db.selectFrom("recording_agents")
        .select(["recording_id", "agent_id", "joined_ms", "left_ms"])
        .where("recording_id", "=", rec.id).orderBy("joined_ms").orderBy("agent_id").execute(),
    ]);
  // A call longer than recorder.maxSegmentSeconds: its linked segments, first to last.
  const segments = rec.segment > 1 || await hasNextSegment(db, rec.id)
    ? await listSegments(db, rec.id)
    : [];
  return {
    segments,
    participants,
    streams,
    metadata,
    pauses,
    gaps,
    decisions,
    call,
    partitions: partitions.map((p) => p.partition),
    agents,
  };
}

/** The pauses, gaps and channel roles the waveform draws, in time order. */
export async function recordingSpans(db: Db, recordingId: string) {
  const [pauses, gaps, participants] = await Promise.all([
    db.selectFrom("pauses").selectAll().where("recording_id", "=", recordingId)
      .orderBy("start_ms").execute(),
    db.selectFrom("gaps").selectAll().where("recording_id", "=", recordingId)
      .orderBy("start_ms").execute(),
    db.selectFrom("participants").select(["channel", "role"])
      .where("recording_id", "=", recordingId).execute(),
  ]);
  return { pauses, gaps, participants };
}

/** The detail bundle of {@link recordingDetail}. */
export type RecordingDetail = Awaited<ReturnType<typeof recordingDetail>>;
