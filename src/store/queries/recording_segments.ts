/**
 * The segments of a long call (`recorder.maxSegmentSeconds`): recordings of one call
 * linked by `previous_recording_id`, numbered by `segment` (migration 0012).
 */
import type { Db } from "../db.ts";

/** One segment as the recording page and `recordings show` list it. */
export interface SegmentRow {
  id: string;
  segment: number;
  previousId: string | null;
  state: string;
  startedAt: string;
  durationMs: number | null;
}

/**
 * The chain of segments `recordingId` belongs to, first to last (just itself when the
 * call never rolled); empty when the recording does not exist.
 */
export async function listSegments(db: Db, recordingId: string): Promise<SegmentRow[]> {
  const rows = await db.selectFrom("recordings")
    .select(["id", "segment", "previous_recording_id", "state", "started_at", "duration_ms"])
    .where(
      "call_id",
      "=",
      (eb) => eb.selectFrom("recordings as r").select("r.call_id").where("r.id", "=", recordingId),
    )
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const next = new Map<string, string>();
  for (const r of rows) if (r.previous_recording_id) next.set(r.previous_recording_id, r.id);
  let first = byId.get(recordingId);
  if (!first) return [];
  const seen = new Set<string>();
  while (first.previous_recording_id && byId.has(first.previous_recording_id)) {
    if (seen.has(first.id)) break;
    seen.add(first.id);
    first = byId.get(first.previous_recording_id)!;
  }
  const chain: SegmentRow[] = [];
  let r: typeof first | undefined = first;
  for (; r && chain.length <= rows.length; r = byId.get(next.get(r.id) ?? "")) {
    chain.push({
      id: r.id,
      segment: r.segment,
      previousId: r.previous_recording_id,
      state: r.state,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
    });
  }
  return chain;
}

/**
 * A new segment inherits the agents still on the one it continues (a transfer's agent
 * included), each from the segment's start; the trigger of migration 0009 already gave
 * it the row's `agent_id`.
 */
export async function carrySegmentAgents(db: Db, fromId: string, toId: string): Promise<void> {
  const open = await db.selectFrom("recording_agents").select("agent_id")
    .where("recording_id", "=", fromId).where("left_ms", "is", null).execute();
  for (const a of open) {
    await db.insertInto("recording_agents")
      .values({ recording_id: toId, agent_id: a.agent_id, joined_ms: 0, left_ms: null })
      .onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Whether a later segment continues this recording (one indexed probe). */
export async function hasNextSegment(db: Db, recordingId: string): Promise<boolean> {
  const row = await db.selectFrom("recordings").select("id")
    .where("previous_recording_id", "=", recordingId).limit(1).executeTakeFirst();
  return row !== undefined;
}
