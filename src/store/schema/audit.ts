import type { Generated, Selectable } from "kysely";

/**
 * Append-only, hash-chained audit trail. Triggers refuse UPDATE and DELETE;
 * `hash` = SHA-256(prev_hash + canonical JSON of the entry's other fields).
 */
export interface AuditEventTable {
  seq: Generated<number>;
  ts: string;
  actor_type: "user" | "token" | "system" | "cli";
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  outcome: "ok" | "denied" | "failed";
  target_type: string | null;
  target_id: string | null;
  recording_id: string | null;
  customer_id: string | null;
  interaction_type: string | null;
  reason_code: string | null;
  reason_text: string | null;
  ip: string | null;
  /** JSON: metadata snapshot, time range heard, filters used… */
  details: string;
  prev_hash: string;
  hash: string;
}
export type AuditEvent = Selectable<AuditEventTable>;
