/**
 * What the box does when a recording's stored bytes fail verification, wherever that was
 * found (a play, the WAV transcode, the waveform, an export, the archive copy, the
 * scrubber): the recording is flagged (`integrity_failed_at`, `integrity_detail`), an
 * audit row `recording.integrity_failed` names who or what read it and how it failed, the
 * `integrity` alarm is raised (critical, on the system page), and an error is logged.
 * Flag, audit row and alarm are written once per finding: a player's further Range
 * requests on a flagged file are refused without writing more rows.
 */
import type { AuditInput, AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import type { Recording } from "../store/schema/recordings.ts";
import { clearAlarm, raiseAlarm } from "../store/queries/alarms.ts";
import {
  clearIntegrityFailure,
  countIntegrityFailures,
  flagIntegrityFailure,
} from "../store/queries/integrity.ts";
import type { IntegrityError } from "../seal/integrity_error.ts";

/** The alarm kind of integrity failures (one open alarm for all of them). */
export const INTEGRITY_ALARM = "integrity";

/** The message every refused read answers with (409). */
export const INTEGRITY_MESSAGE = "recording failed its integrity check";

/** What reporting a failure writes to. */
export interface IntegrityHost {
  db: Db;
  audit: AuditLog;
  log: Logger;
  now?: () => number;
}

/** Which read found it, and who asked. */
export interface IntegrityFinding {
  via: "play" | "wav" | "waveform" | "export" | "archive" | "scrub";
  actor: AuditInput["actor"];
  ip?: string | null;
}

type Rec = Pick<Recording, "id" | "customer_id" | "interaction_type">;

/**
 * Flags `rec`, audits and raises the alarm when this is a new finding; always logs.
 * Returns true when the finding was new.
 */
export async function reportIntegrityFailure(
  host: IntegrityHost,
  rec: Rec,
  err: IntegrityError,
  found: IntegrityFinding,
): Promise<boolean> {
  const now = new Date((host.now ?? Date.now)());
  host.log.error("recording failed its integrity check", {
    recording: rec.id,
    path: err.path,
    detail: err.detail,
    via: found.via,
  });
  const fresh = await flagIntegrityFailure(host.db, rec.id, err.detail, now);
  if (!fresh) return false;
  await host.audit.append({
    actor: found.actor,
    action: "recording.integrity_failed",
    outcome: "failed",
    target: { type: "recording", id: rec.id },
    recordingId: rec.id,
    customerId: rec.customer_id,
    interactionType: rec.interaction_type,
    ip: found.ip ?? null,
    details: { via: found.via, path: err.path, detail: err.detail },
  });
  const n = await countIntegrityFailures(host.db);
  await raiseAlarm(
    host.db,
    INTEGRITY_ALARM,
    "critical",
    `${n} recording${n === 1 ? "" : "s"} failed the integrity check; latest ${rec.id}: ` +
      err.detail,
    now,
  );
  return true;
}

/**
 * Clears the flag of a recording that verified again (its file was restored), audited as
 * `recording.integrity_restored`; the alarm clears once no recording is flagged.
 */
export async function reportIntegrityRestored(
  host: IntegrityHost,
  rec: Rec & Pick<Recording, "integrity_failed_at">,
  found: IntegrityFinding,
): Promise<void> {
  if (rec.integrity_failed_at === null) return;
  if (!(await clearIntegrityFailure(host.db, rec.id))) return;
  await host.audit.append({
    actor: found.actor,
    action: "recording.integrity_restored",
    target: { type: "recording", id: rec.id },
    recordingId: rec.id,
    customerId: rec.customer_id,
    interactionType: rec.interaction_type,
    details: { via: found.via },
  });
  if (await countIntegrityFailures(host.db) === 0) {
    await clearAlarm(host.db, INTEGRITY_ALARM, new Date((host.now ?? Date.now)()));
  }
}
