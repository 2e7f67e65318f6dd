/**
 * Audit retention: the audit trail has its own retention (`audit.retention`, default
 * 400d) and is never purged with recordings. Rows are only ever removed as a *prefix*
 * of the chain, only by this maintenance path (`selrec audit prune`), never by a timer:
 *
 * 1. verify the whole chain (a broken chain is evidence: refuse to cut it);
 * 2. optionally write the rows to be removed to an archive CSV (fsync'd, then renamed);
 * 3. sign a checkpoint of the current tail announcing the new anchor (`next`);
 * 4. in ONE transaction: drop the DELETE trigger, delete seq < keepFrom, recreate the
 *    trigger from its own stored SQL, and append an `audit.retention` entry naming the
 *    range removed and the new anchor (first seq kept + the hash before it);
 * 5. sign a checkpoint whose anchor is the new start.
 *
 * A crash between 3 and 5 leaves a chain that still verifies (the `next` anchor is
 * signed). The verifier then accepts a chain starting at the signed anchor only.
 */
import { sql } from "kysely";
import type { Store } from "../store/db.ts";
import { parseDuration } from "../duration.ts";
import type { AuditInput, AuditLog } from "./audit_log.ts";
import { AuditChainBrokenError, type Checkpoint, writeCheckpoint } from "./checkpoint.ts";
import type { SigningKey } from "./checkpoint_key.ts";
import { verifyAuditStore } from "./verify_store.ts";
import { writeAuditCsvFile } from "./export.ts";
import type { Anchor } from "./verify.ts";

/** Options for {@link pruneAudit}. */
export interface PruneOptions {
  /** The retention, e.g. "400d" (config `audit.retention`). */
  retention: string;
  actor: AuditInput["actor"];
  now?: () => Date;
  /** Write the removed rows here first (CSV with chain fields). */
  archiveFile?: string;
  /** Report what would be removed, change nothing. */
  dryRun?: boolean;
}

/** What a prune did (or would do). */
export interface PruneResult {
  cutoff: string;
  removed: number;
  fromSeq: number | null;
  toSeq: number | null;
  anchor: Anchor | null;
  archive: { file: string; sha256: string } | null;
  checkpoint: Checkpoint | null;
}

/** Removes audit rows older than the retention, as a prefix; see the module doc. */
export async function pruneAudit(
  store: Store,
  audit: AuditLog,
  dataDir: string,
  key: SigningKey,
  options: PruneOptions,
): Promise<PruneResult> {
  const now = options.now ?? (() => new Date());
  const cutoff = new Date(now().getTime() - parseDuration(options.retention)).toISOString();
  const db = store.db;
  const report = await verifyAuditStore(db, dataDir);
  if (!report.ok) throw new AuditChainBrokenError(report.firstBroken!);
  const first = await db.selectFrom("audit_events").select(["seq"]).orderBy("seq").limit(1)
    .executeTakeFirst();
  const keep = await db.selectFrom("audit_events").select((eb) => eb.fn.min("seq").as("seq"))
    .where("ts", ">=", cutoff).executeTakeFirstOrThrow();
  const last = await db.selectFrom("audit_events").select("seq").orderBy("seq", "desc").limit(1)
    .executeTakeFirst();
  const none: PruneResult = {
    cutoff,
    removed: 0,
    fromSeq: null,
    toSeq: null,
    anchor: null,
    archive: null,
    checkpoint: null,
  };
  if (!first || !last) return none;
  // Rows with seq < keepFrom go; when all are older, the retention entry becomes the first.
  const keepFrom = keep.seq ?? last.seq + 1;
  if (keepFrom <= first.seq) return none;
  const toSeq = keepFrom - 1;
  const lastRemoved = await db.selectFrom("audit_events").select("hash").where("seq", "=", toSeq)
    .executeTakeFirstOrThrow();
  const anchor: Anchor = { firstSeq: keepFrom, firstPrevHash: lastRemoved.hash };
  const result: PruneResult = {
    ...none,
    removed: toSeq - first.seq + 1,
    fromSeq: first.seq,
    toSeq,
    anchor,
  };
  if (options.dryRun) return result;
  if (options.archiveFile) {
    const w = await writeAuditCsvFile(db, options.archiveFile, { fromSeq: first.seq, toSeq });
    result.archive = { file: options.archiveFile, sha256: w.sha256 };
  }
  await writeCheckpoint(db, dataDir, key, { now, next: anchor });
  await cutPrefix(store, audit, options.actor, result, anchor);
  result.checkpoint = await writeCheckpoint(db, dataDir, key, { now, anchor });
  return result;
}

async function cutPrefix(
  store: Store,
  audit: AuditLog,
  actor: AuditInput["actor"],
  result: PruneResult,
  anchor: Anchor,
): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    const trigger = await sql<{ sql: string }>`
      SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_events_no_delete'`
      .execute(tx);
    const ddl = trigger.rows[0]?.sql;
    if (!ddl) throw new Error("Cannot prune audit: the append-only DELETE trigger is missing");
    await sql`DROP TRIGGER audit_events_no_delete`.execute(tx);
    await sql`DELETE FROM audit_events WHERE seq < ${anchor.firstSeq}`.execute(tx);
    await sql.raw(ddl).execute(tx);
    await audit.append({
      actor,
      action: "audit.retention",
      target: { type: "audit", id: `${result.fromSeq}-${result.toSeq}` },
      details: {
        cutoff: result.cutoff,
        removed: result.removed,
        removedFromSeq: result.fromSeq,
        removedToSeq: result.toSeq,
        anchorSeq: anchor.firstSeq,
        anchorPrevHash: anchor.firstPrevHash,
        archive: result.archive,
      },
    }, tx);
  });
}
