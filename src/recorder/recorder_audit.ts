/**
 * The audit entries the recorder writes on its own: pauses and resumes the SRC signals,
 * and the automatic resume at the maximum pause. Pauses and resumes an agent or an API
 * client asks for are audited by the web layer, with that actor.
 */
import type { AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import type { Active } from "./active_calls.ts";

/** The part of the audit log the recorder writes to. */
export type RecorderAuditLog = Pick<AuditLog, "append">;

/** Audits a pause (`src-inactive`) or resume (`src-active`) the SRC signalled. */
export async function auditSrcPause(
  audit: RecorderAuditLog,
  a: Active,
  action: "call.pause" | "call.resume",
  code: string,
): Promise<void> {
  await audit.append({
    actor: { type: "system", name: "src" },
    action,
    target: { type: "call", id: a.callId },
    recordingId: a.recordingId,
    customerId: a.facts.fields.customerId ?? null,
    reason: { code },
  });
}

/** Audits a resume at `recorder.maxPauseSeconds`; a failed write is logged, not thrown. */
export function auditAutoResume(audit: RecorderAuditLog, log: Logger, a: Active): void {
  audit.append({
    actor: { type: "system", name: "recorder" },
    action: "call.resume",
    target: { type: "call", id: a.callId },
    recordingId: a.recordingId,
    reason: { code: "auto-resume", text: "maximum pause reached" },
  }).catch((err) => log.error("audit of auto-resume failed", { error: err }));
}
