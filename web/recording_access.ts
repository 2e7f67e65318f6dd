/** Route helpers shared by the recording sub-apps: visibility (404), audit actor, reasons. */
import type { Context } from "hono";
import type { AppEnv, Principal } from "./context.ts";
import type { Permission } from "../src/auth/permissions.ts";
import { findAccessibleRecording } from "../src/auth/access.ts";
import type { Recording } from "../src/store/schema/recordings.ts";
import type { AuditInput } from "../src/audit/audit_log.ts";
import type { Db } from "../src/store/db.ts";
import { httpError } from "./http_error.ts";
import {
  listRecordingMetadata,
  listRecordingPartitions,
  recordingExists,
} from "../src/store/queries/recording_rows.ts";
import { auditDenied, clientIp } from "./middleware/authenticate.ts";

/**
 * `code` if it is one of `codes` (config `web.actionReasonCodes` or
 * `recorder.pauseReasonCodes`); else a 400 naming `field` and listing the valid codes.
 */
export function checkReasonCode(field: string, code: unknown, codes: readonly string[]): string {
  if (typeof code !== "string" || !codes.includes(code)) {
    const what = typeof code === "string" && code !== ""
      ? `unknown reason code "${code}"`
      : "a reason code is required";
    httpError(400, `${field}: ${what}; valid codes: ${codes.join(", ")}`);
  }
  return code;
}

/**
 * The recording `id` if the principal may do `permission` on it; else a 404. Refusing an
 * existing recording is audited as `access.denied`.
 */
export async function visibleRecording(
  c: Context<AppEnv>,
  id: string,
  permission: Permission,
): Promise<Recording> {
  const p = c.get("principal");
  if (!p) httpError(404, "not found");
  const rec = await findAccessibleRecording(
    c.get("services").store.db,
    p,
    id,
    permission,
    c.get("auth").scope,
  );
  if (!rec) {
    const exists = id.length <= 200 && await recordingExists(c.get("services").store.db, id);
    if (exists) await auditDenied(c, permission, id);
    httpError(404, "not found");
  }
  return rec;
}

/** The audit actor and IP of the request. */
export function auditActor(c: Context<AppEnv>): Pick<AuditInput, "actor" | "ip"> {
  const p = c.get("principal") as Principal;
  return {
    actor: { type: p.kind === "token" ? "token" : "user", id: p.id, name: p.name },
    ip: clientIp(c),
  };
}

/** The recording's facts and all its attached metadata, as an audit entry keeps them. */
export async function metadataSnapshot(db: Db, rec: Recording): Promise<Record<string, unknown>> {
  const rows = await listRecordingMetadata(db, rec.id);
  const attached: Record<string, string | string[]> = {};
  for (const { key, value } of rows) {
    const had = attached[key];
    attached[key] = had === undefined ? value : [had, value].flat();
  }
  return {
    agentId: rec.agent_id,
    ani: rec.ani,
    dnis: rec.dnis,
    direction: rec.direction,
    businessUnit: rec.business_unit,
    customerType: rec.customer_type,
    language: rec.language,
    partitions: await listRecordingPartitions(db, rec.id),
    ruleId: rec.rule_id,
    startedAt: rec.started_at,
    attached,
  };
}

/**
 * Audit fields that identify a recording, with `details` plus a snapshot of its metadata
 * (`details.metadata`), so the entry still says what was accessed after a purge.
 */
export async function auditRecording(
  c: Context<AppEnv>,
  rec: Recording,
  details: Record<string, unknown> = {},
): Promise<Partial<AuditInput>> {
  return {
    target: { type: "recording", id: rec.id },
    recordingId: rec.id,
    customerId: rec.customer_id,
    interactionType: rec.interaction_type,
    details: { ...details, metadata: await metadataSnapshot(c.get("services").store.db, rec) },
  };
}

/**
 * Reads and checks `reason_code` (one of config `web.actionReasonCodes`) and
 * `reason_text` from a parsed body; 400 when bad.
 */
export function readReason(
  c: Context<AppEnv>,
  body: Record<string, unknown>,
): { code: string; text: string } {
  const codes = c.get("services").config.web.actionReasonCodes;
  const code = checkReasonCode("reason_code", body.reason_code, codes);
  const text = typeof body.reason_text === "string" ? body.reason_text.trim() : "";
  if (text.length < 3 || text.length > 500) {
    httpError(400, "a reason text of 3-500 characters is required");
  }
  return { code, text };
}
