/**
 * Who is on a recording after a transfer (source mode, where one recording spans the
 * whole call): participants who joined get rows from now, those who left get their span
 * ended, and when the call's agent changed the new agent gets a span in recording_agents
 * (the previous agent's ends) — so search by agent and each agent's supervisors find it.
 */
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { changeParticipants, switchRecordingAgent } from "../store/queries/recording_agents.ts";
import type { ChannelAssignment } from "./channels.ts";

/** What changed on a recording at a transfer. */
export interface TransferChange {
  recordingId: string;
  before: ChannelAssignment;
  after: ChannelAssignment;
  /** The call's agent id after the transfer (metadata), if any. */
  agentId: string | undefined;
  at: Date;
}

/** Stores a transfer's participants and agent; a store error is logged, never thrown. */
export async function attributeTransfer(db: Db, log: Logger, c: TransferChange): Promise<void> {
  const had = new Set(c.before.participants.map((p) => p.id));
  const has = new Set(c.after.participants.map((p) => p.id));
  const joined = c.after.participants.filter((p) => !had.has(p.id))
    .map((p) => ({ key: p.id, aor: p.aor, name: p.name, role: p.role, channel: p.channel }));
  const left = [...had].filter((id) => !has.has(id));
  try {
    await db.transaction().execute(async (tx) => {
      await changeParticipants(tx, c.recordingId, { joined, left }, c.at);
      if (c.agentId) await switchRecordingAgent(tx, c.recordingId, c.agentId, c.at);
    });
  } catch (err) {
    log.error("cannot store a transfer's participants", { recording: c.recordingId, error: err });
  }
}
