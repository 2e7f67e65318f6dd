/**
 * The audit trail's rows: the chain tail an append links to, the insert, filtered and
 * keyset-paginated reads on seq, chain statistics, and the prefix cut of a retention
 * prune (the only DELETE the append-only table ever sees).
 */
import type { SelectQueryBuilder } from "kysely";
import { sql } from "kysely";
import type { Db } from "../db.ts";
import type { AuditEvent } from "../schema/audit.ts";
import type { Database } from "../schema/database.ts";

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

/** Applies `f` to a query over audit_events; `from`/`to` compare as given (ISO 8601 UTC). */
function applyAuditFilter<O>(
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
  if (f.from) q = q.where("ts", ">=", f.from);
  if (f.to) q = q.where("ts", "<", f.to);
  if (f.fromSeq !== undefined) q = q.where("seq", ">=", f.fromSeq);
  if (f.toSeq !== undefined) q = q.where("seq", "<=", f.toSeq);
  return q;
}

/** The last entry's seq and hash (what the next append links to), or undefined. */
export async function auditChainTail(
  db: Db,
): Promise<{ seq: number; hash: string } | undefined> {
  return await db.selectFrom("audit_events").select(["seq", "hash"]).orderBy("seq", "desc")
    .limit(1).executeTakeFirst();
}

/** Inserts one hashed entry. */
export async function insertAuditEvent(db: Db, event: AuditEvent): Promise<void> {
  await db.insertInto("audit_events").values(event).execute();
}

/** Up to `limit` matching rows with seq below `before` (when given), newest first. */
export async function auditEventsNewestFirst(
  db: Db,
  filter: AuditFilter,
  page: { before?: number; limit: number },
): Promise<AuditEvent[]> {
  let q = applyAuditFilter(db.selectFrom("audit_events").selectAll(), filter);
  if (page.before !== undefined) q = q.where("seq", "<", page.before);
  return (await q.orderBy("seq", "desc").limit(page.limit).execute()).map((r) => ({ ...r }));
}

/** Every matching row with seq above `afterSeq`, oldest first, read in batches (keyset). */
export async function* auditEventsInSeqOrder(
  db: Db,
  filter: AuditFilter,
  afterSeq = 0,
  batch = 1000,
): AsyncGenerator<AuditEvent> {
  let after = afterSeq;
  for (;;) {
    const rows = await applyAuditFilter(db.selectFrom("audit_events").selectAll(), filter)
      .where("seq", ">", after).orderBy("seq").limit(batch).execute();
    for (const r of rows) yield { ...r };
    if (rows.length < batch) return;
    after = rows[rows.length - 1].seq;
  }
}

/** The lowest seq (null when empty) and the row count. */
export async function auditChainStats(db: Db): Promise<{ first: number | null; count: number }> {
  return await db.selectFrom("audit_events")
    .select((eb) => [eb.fn.min("seq").as("first"), eb.fn.countAll<number>().as("count")])
    .executeTakeFirstOrThrow();
}

/** The lowest seq, or null when the table is empty. */
export async function firstAuditSeq(db: Db): Promise<number | null> {
  const r = await db.selectFrom("audit_events").select("seq").orderBy("seq").limit(1)
    .executeTakeFirst();
  return r?.seq ?? null;
}

/** The highest seq, or null when the table is empty. */
export async function lastAuditSeq(db: Db): Promise<number | null> {
  const r = await db.selectFrom("audit_events").select("seq").orderBy("seq", "desc").limit(1)
    .executeTakeFirst();
  return r?.seq ?? null;
}

/** The lowest seq of an entry at or after `ts`, or null when there is none. */
export async function firstAuditSeqSince(db: Db, ts: string): Promise<number | null> {
  const r = await db.selectFrom("audit_events").select((eb) => eb.fn.min("seq").as("seq"))
    .where("ts", ">=", ts).executeTakeFirstOrThrow();
  return r.seq ?? null;
}

/** The hash of entry `seq`, or undefined when there is no such row. */
export async function auditHashAt(db: Db, seq: number): Promise<string | undefined> {
  const r = await db.selectFrom("audit_events").select("hash").where("seq", "=", seq)
    .executeTakeFirst();
  return r?.hash;
}

/**
 * Deletes entries with seq below `firstKeptSeq`: drops the append-only DELETE trigger,
 * deletes, and recreates the trigger from its own stored SQL. Run it inside the caller's
 * transaction (`db` a transaction handle), with the entry that records the cut.
 */
export async function deleteAuditPrefix(db: Db, firstKeptSeq: number): Promise<void> {
  const trigger = await sql<{ sql: string }>`
    SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_events_no_delete'`
    .execute(db);
  const ddl = trigger.rows[0]?.sql;
  if (!ddl) throw new Error("Cannot prune audit: the append-only DELETE trigger is missing");
  await sql`DROP TRIGGER audit_events_no_delete`.execute(db);
  await sql`DELETE FROM audit_events WHERE seq < ${firstKeptSeq}`.execute(db);
  await sql.raw(ddl).execute(db);
}
