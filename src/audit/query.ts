/**
 * Audit queries for the audit UI and exports: filters on user, action, recording,
 * customer ID, outcome and a date range, newest first, keyset-paginated on seq.
 */
import type { Kysely, SelectQueryBuilder } from "kysely";
import type { Database } from "../store/schema/database.ts";
import type { AuditEvent } from "../store/schema/audit.ts";

/** Filters; every one is optional and they combine with AND. */
export interface AuditFilter {
  /** actor_name, exact. */
  user?: string;
  /** Exact action, or a prefix ending in `.` or `*` (`recording.` / `recording.*`). */
  action?: string;
  recordingId?: string;
  customerId?: string;
  outcome?: "ok" | "denied" | "failed";
  /** Inclusive lower bound on ts (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on ts (ISO 8601). */
  to?: string;
  /** Inclusive seq bounds (exports of a chain segment). */
  fromSeq?: number;
  toSeq?: number;
}

/** One page of rows plus the cursor of the next (older) page. */
export interface AuditPage {
  rows: AuditEvent[];
  /** Pass as `before` for the next page; null on the last page. */
  next: number | null;
}

/**
 * Normalizes a user-given date or date-time to ISO 8601 UTC, so it compares with `ts`.
 * Throws RangeError for an unparseable value.
 */
export function isoBound(text: string): string {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
    throw new RangeError(`Cannot parse date "${text}": expected ISO 8601 such as 2026-11-01`);
  }
  return d.toISOString();
}

/** Applies `filter` to a query over audit_events. */
export function applyAuditFilter<O>(
  q: SelectQueryBuilder<Database, "audit_events", O>,
  f: AuditFilter,
): SelectQueryBuilder<Database, "audit_events", O> {
  if (f.user) q = q.where("actor_name", "=", f.user);
  if (f.action) {
    const m = /^(.*\.)\*?$/.exec(f.action);
    if (m && (f.action.endsWith(".") || f.action.endsWith(".*"))) {
      // Range on the index instead of LIKE: "recording." <= action < "recording/".
      const prefix = m[1];
      const upper = prefix.slice(0, -1) +
        String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      q = q.where("action", ">=", prefix).where("action", "<", upper);
    } else q = q.where("action", "=", f.action);
  }
  if (f.recordingId) q = q.where("recording_id", "=", f.recordingId);
  if (f.customerId) q = q.where("customer_id", "=", f.customerId);
  if (f.outcome) q = q.where("outcome", "=", f.outcome);
  if (f.from) q = q.where("ts", ">=", isoBound(f.from));
  if (f.to) q = q.where("ts", "<", isoBound(f.to));
  if (f.fromSeq !== undefined) q = q.where("seq", ">=", f.fromSeq);
  if (f.toSeq !== undefined) q = q.where("seq", "<=", f.toSeq);
  return q;
}

/** One page of matching rows, newest first; `before` is the cursor from the last page. */
export async function queryAudit(
  db: Kysely<Database>,
  filter: AuditFilter,
  page: { before?: number; limit?: number } = {},
): Promise<AuditPage> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
  let q = applyAuditFilter(db.selectFrom("audit_events").selectAll(), filter);
  if (page.before !== undefined) q = q.where("seq", "<", page.before);
  const rows = (await q.orderBy("seq", "desc").limit(limit + 1).execute()).map((r) => ({ ...r }));
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, next: more ? rows[rows.length - 1].seq : null };
}

/** Every matching row, oldest first, read in batches (for exports). */
export async function* auditRowsMatching(
  db: Kysely<Database>,
  filter: AuditFilter,
  batch = 1000,
): AsyncGenerator<AuditEvent> {
  let after = 0;
  for (;;) {
    const rows = await applyAuditFilter(db.selectFrom("audit_events").selectAll(), filter)
      .where("seq", ">", after).orderBy("seq").limit(batch).execute();
    for (const r of rows) yield { ...r };
    if (rows.length < batch) return;
    after = rows[rows.length - 1].seq;
  }
}

/** True when the filter selects a contiguous chain segment (only date/seq bounds). */
export function isContiguous(f: AuditFilter): boolean {
  return !f.user && !f.action && !f.recordingId && !f.customerId && !f.outcome;
}
