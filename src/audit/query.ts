/**
 * Audit reads for the audit UI and exports: filters on user, action, recording,
 * customer ID, outcome and a date range, newest first, keyset-paginated on seq. The SQL
 * lives in store/queries/audit.ts; this module checks the dates and pages.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema/database.ts";
import type { AuditEvent } from "../store/schema/audit.ts";
import {
  auditEventsInSeqOrder,
  auditEventsNewestFirst,
  type AuditFilter,
} from "../store/queries/audit.ts";

export type { AuditFilter };

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

/** The filter with its date bounds normalized by {@link isoBound} (which may throw). */
function normalized(f: AuditFilter): AuditFilter {
  return {
    ...f,
    from: f.from ? isoBound(f.from) : undefined,
    to: f.to ? isoBound(f.to) : undefined,
  };
}

/** One page of matching rows, newest first; `before` is the cursor from the last page. */
export async function queryAudit(
  db: Kysely<Database>,
  filter: AuditFilter,
  page: { before?: number; limit?: number } = {},
): Promise<AuditPage> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
  const rows = await auditEventsNewestFirst(db, normalized(filter), {
    before: page.before,
    limit: limit + 1,
  });
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
  yield* auditEventsInSeqOrder(db, normalized(filter), 0, batch);
}

/** True when the filter selects a contiguous chain segment (only date/seq bounds). */
export function isContiguous(f: AuditFilter): boolean {
  return !f.user && !f.action && !f.recordingId && !f.customerId && !f.outcome;
}
