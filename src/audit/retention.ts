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
import type { Store } from "../store/db.ts";
import {
  auditHashAt,
  deleteAuditPrefix,
  firstAuditSeq,
  firstAuditSeqSince,
  lastAuditSeq,
} from "../store/queries/audit.ts";
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
  const first = await firstAuditSeq(db);
  const keep = await firstAuditSeqSince(db, cutoff);
  const last = await lastAuditSeq(db);
  const none: PruneResult = {
    cutoff,
    removed: 0,
    fromSeq: null,
    toSeq: null,
    anchor: null,
    archive: null,
    checkpoint: null,
  };
  if (first === null || last === null) return none;
  // Rows with seq < keepFrom go; when all are older, the retention entry becomes the first.
  const keepFrom = keep ?? last + 1;
  if (keepFrom <= first) return none;
  const toSeq = keepFrom - 1;
  const lastRemoved = await auditHashAt(db, toSeq);
  if (lastRemoved === undefined) throw new Error(`Cannot prune audit: seq ${toSeq} is missing`);
  const anchor: Anchor = { firstSeq: keepFrom, firstPrevHash: lastRemoved };
  const result: PruneResult = {
    ...none,
    removed: toSeq - first + 1,
    fromSeq: first,
    toSeq,
    anchor,
  };
  if (options.dryRun) return result;
  if (options.archiveFile) {
    const w = await writeAuditCsvFile(db, options.archiveFile, { fromSeq: first, toSeq });
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
    await deleteAuditPrefix(tx, anchor.firstSeq);
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
