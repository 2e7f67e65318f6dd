/**
 * A recording's legal hold history, read from the audit trail (the only record of who
 * placed or released a hold, when and why): rows of `recording.hold.on|off`.
 */
import type { Db } from "../db.ts";

/** One hold action on a recording. */
export interface HoldEvent {
  ts: string;
  on: boolean;
  actor: string | null;
  outcome: "ok" | "denied" | "failed";
  reasonCode: string | null;
  reasonText: string | null;
}

/** Hold actions on `recordingId`, oldest first (audit_recording index). */
export async function holdHistory(db: Db, recordingId: string, limit = 200): Promise<HoldEvent[]> {
  const rows = await db.selectFrom("audit_events")
    .select(["ts", "action", "actor_name", "outcome", "reason_code", "reason_text"])
    .where("recording_id", "=", recordingId)
    .where("action", "in", ["recording.hold.on", "recording.hold.off"])
    .orderBy("ts").orderBy("seq").limit(limit).execute();
  return rows.map((r) => ({
    ts: r.ts,
    on: r.action === "recording.hold.on",
    actor: r.actor_name,
    outcome: r.outcome,
    reasonCode: r.reason_code,
    reasonText: r.reason_text,
  }));
}
