/** Assertions for audit rows shared by the web and CLI audit tables. */
import assert from "node:assert/strict";
import type { AuditEvent } from "../../src/store/schema/audit.ts";

/** The audit row an action must produce; unlisted columns must be null (outcome "ok"). */
export interface Want {
  actor: [type: string, name: string];
  action: string;
  outcome?: "ok" | "denied" | "failed";
  target?: [type: string, id: string];
  recording?: string;
  customer?: string;
  interaction?: string;
  reason?: [code: string, text: string | null];
  /** A subset of details that must match (deeply, for the keys given). */
  details?: Record<string, unknown>;
}

/** Asserts `actual` holds every key of `want`, recursively for plain objects. */
export function assertSubset(actual: unknown, want: unknown, path = "details"): void {
  if (want !== null && typeof want === "object" && !Array.isArray(want)) {
    assert.ok(actual !== null && typeof actual === "object", `${path} is not an object`);
    for (const [k, v] of Object.entries(want)) {
      assertSubset((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  } else assert.deepEqual(actual, want, path);
}

/** Asserts `rows` is exactly one row matching `want`. */
export function assertRow(rows: AuditEvent[], want: Want, what: string): void {
  assert.equal(rows.length, 1, `${what}: ${rows.length} rows: ${rows.map((r) => r.action)}`);
  const r = rows[0];
  assert.deepEqual({
    actor: [r.actor_type, r.actor_name],
    action: r.action,
    outcome: r.outcome,
    target: r.target_type === null ? null : [r.target_type, r.target_id],
    recording: r.recording_id,
    customer: r.customer_id,
    interaction: r.interaction_type,
    reason: r.reason_code === null ? null : [r.reason_code, r.reason_text],
  }, {
    actor: want.actor,
    action: want.action,
    outcome: want.outcome ?? "ok",
    target: want.target ?? null,
    recording: want.recording ?? null,
    customer: want.customer ?? null,
    interaction: want.interaction ?? null,
    reason: want.reason ?? null,
  }, what);
  assertSubset(JSON.parse(r.details), want.details ?? {});
}
