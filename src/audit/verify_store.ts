/**
 * Whole-trail verification as `selrec audit verify` runs it: the checkpoint file is
 * checked first (signatures, monotonic), then the chain from the anchor of the latest
 * checkpoint, against every checkpoint, to at least the latest checkpoint's seq.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema/database.ts";
import { auditEventsInSeqOrder, firstAuditSeq } from "../store/queries/audit.ts";
import { anchorFor, type Checkpoint, checkpointPath, readCheckpoints } from "./checkpoint.ts";
import { loadPublicKeyFile, loadVerifyingKey, type VerifyingKey } from "./checkpoint_key.ts";
import { parseAuditCsv } from "./audit_csv.ts";
import { type Anchor, GENESIS_ANCHOR, verifyChain, type VerifyResult } from "./verify.ts";

/** A verification report: the chain result plus what the checkpoints contributed. */
export interface AuditVerifyReport extends VerifyResult {
  source: string;
  anchor: Anchor | "first-row";
  checkpoints: number;
  latestCheckpoint: { seq: number; ts: string } | null;
  /** Limits of what was proven, e.g. no checkpoints yet. */
  warnings: string[];
}

function fromCheckpointProblem(
  source: string,
  problem: { line: number; reason: string; seq: number },
  anchor: Anchor | "first-row",
): AuditVerifyReport {
  return {
    ok: false,
    source,
    checked: 0,
    firstSeq: null,
    lastSeq: null,
    lastHash: null,
    checkpointsMatched: 0,
    anchor,
    checkpoints: 0,
    latestCheckpoint: null,
    warnings: [],
    firstBroken: { seq: problem.seq, reason: `checkpoint line ${problem.line} ${problem.reason}` },
  };
}

function finish(
  source: string,
  res: VerifyResult,
  anchor: Anchor | "first-row",
  cps: Checkpoint[],
  warnings: string[],
): AuditVerifyReport {
  const latest = cps.at(-1);
  if (!latest) {
    warnings.push("no signed checkpoints yet: a cut tail would not be detected");
  } else if (res.lastSeq !== null && res.lastSeq > latest.seq) {
    warnings.push(`seq ${latest.seq + 1}..${res.lastSeq} are after the latest checkpoint`);
  }
  return {
    ...res,
    source,
    anchor,
    checkpoints: cps.length,
    latestCheckpoint: latest ? { seq: latest.seq, ts: latest.ts } : null,
    warnings,
  };
}

/** Verifies the audit table of an open database against the data directory's checkpoints. */
export async function verifyAuditStore(
  db: Kysely<Database>,
  dataDir: string,
): Promise<AuditVerifyReport> {
  const source = "database";
  const key = await loadVerifyingKey(dataDir);
  const file = await readCheckpoints(checkpointPath(dataDir), key);
  if (file.problem) return fromCheckpointProblem(source, file.problem, GENESIS_ANCHOR);
  const anchor = anchorFor(file.checkpoints.at(-1), await firstAuditSeq(db));
  const res = await verifyChain(auditEventsInSeqOrder(db, {}), {
    anchor,
    checkpoints: file.checkpoints,
    requireTail: true,
  });
  return finish(source, res, anchor, file.checkpoints, []);
}

/** Options for {@link verifyAuditCsv}. */
export interface CsvVerifyOptions {
  /** A checkpoint file (`audit-checkpoints.jsonl`) to check the rows against. */
  checkpointsFile?: string;
  /** The public key file (`audit-ed25519.pub.jwk`) that signed the checkpoints. */
  publicKeyFile?: string;
  /** The CSV claims to be the whole trail: require the anchor and the checkpointed tail. */
  complete?: boolean;
  /** Exported with user/action/recording/customer filters: seq jumps are expected. */
  filtered?: boolean;
}

/**
 * Verifies an audit CSV export offline. A partial export (a date range) is checked from
 * its first row; rows that checkpoints name must match them.
 */
export async function verifyAuditCsv(
  path: string,
  options: CsvVerifyOptions = {},
): Promise<AuditVerifyReport> {
  let key: VerifyingKey | null = null;
  if (options.publicKeyFile) key = await loadPublicKeyFile(options.publicKeyFile);
  const file = options.checkpointsFile
    ? await readCheckpoints(options.checkpointsFile, key)
    : { checkpoints: [], problem: null };
  let anchor: Anchor | "first-row" = "first-row";
  if (file.problem) return fromCheckpointProblem(path, file.problem, anchor);
  let rows;
  try {
    rows = parseAuditCsv(await Deno.readTextFile(path));
    if (options.complete) anchor = anchorFor(file.checkpoints.at(-1), rows[0]?.seq ?? null);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const res = await verifyChain([], {});
    return finish(
      path,
      {
        ...res,
        ok: false,
        firstBroken: { seq: 0, reason: err.message },
      },
      anchor,
      file.checkpoints,
      [],
    );
  }
  const res = await verifyChain(rows, {
    anchor,
    checkpoints: file.checkpoints,
    requireTail: options.complete,
    allowGaps: options.filtered && !options.complete,
  });
  const warnings = anchor === "first-row" && rows.length > 0
    ? [`partial export: the link before seq ${rows[0].seq} is not checked`]
    : [];
  return finish(path, res, anchor, file.checkpoints, warnings);
}
