/**
 * The audit chain verifier. Works on any row source (the database, or rows parsed from
 * a CSV export) in chain order, and stops at the first broken link:
 *
 * - seq continuity: a lower or repeated seq is a reorder, a jump is deleted rows;
 * - the start: the first row must be the anchor (seq 1 after GENESIS, or the anchor a
 *   signed checkpoint carries after an audit retention prune), else the head was cut;
 * - every hash recomputed (SHA-256 hex of prev_hash + canonical JSON of the entry);
 * - every prev_hash equal to the previous row's hash;
 * - every signed checkpoint whose seq is present must match that row's hash, and with
 *   `requireTail` the chain must reach the latest checkpoint (else the tail was cut).
 */
import type { AuditEvent } from "../store/schema/audit.ts";
import { entryHash, GENESIS_HASH } from "./audit_log.ts";

/** Where a chain starts: the first seq kept and the hash that precedes it. */
export interface Anchor {
  firstSeq: number;
  firstPrevHash: string;
}

/** The anchor of a chain that was never pruned. */
export const GENESIS_ANCHOR: Anchor = Object.freeze({ firstSeq: 1, firstPrevHash: GENESIS_HASH });

/** What a checkpoint asserts about the chain (signature already checked). */
export interface CheckpointClaim {
  seq: number;
  hash: string;
}

/** The first problem found. */
export interface BrokenLink {
  seq: number;
  reason: string;
}

/** Outcome of {@link verifyChain}. */
export interface VerifyResult {
  ok: boolean;
  /** Rows whose hash and link were checked before stopping. */
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** Checkpoints whose seq was found and matched. */
  checkpointsMatched: number;
  firstBroken: BrokenLink | null;
}

/** Options for {@link verifyChain}. */
export interface VerifyOptions {
  /** The expected start; `"first-row"` trusts the first row's prev_hash (a partial export). */
  anchor?: Anchor | "first-row";
  /** Signed checkpoints, any order. */
  checkpoints?: readonly CheckpointClaim[];
  /** Fail when the chain ends before the latest checkpoint (tail truncation). */
  requireTail?: boolean;
  /**
   * A filtered export: seq jumps are expected, so links are checked only between
   * consecutive seqs. Every hash and the order are still checked.
   */
  allowGaps?: boolean;
}

/** Verifies `rows` (in the order given) and returns the first broken link, if any. */
export async function verifyChain(
  rows: Iterable<AuditEvent> | AsyncIterable<AuditEvent>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const anchor = options.anchor ?? GENESIS_ANCHOR;
  const claims = new Map<number, string>();
  for (const c of options.checkpoints ?? []) claims.set(c.seq, c.hash);
  const res: VerifyResult = {
    ok: true,
    checked: 0,
    firstSeq: null,
    lastSeq: null,
    lastHash: null,
    checkpointsMatched: 0,
    firstBroken: null,
  };
  const fail = (seq: number, reason: string): VerifyResult => {
    res.ok = false;
    res.firstBroken = { seq, reason };
    return res;
  };
  for await (const row of rows) {
    const { hash, ...hashed } = row;
    if (res.lastSeq === null) {
      res.firstSeq = row.seq;
      if (anchor !== "first-row") {
        if (row.seq > anchor.firstSeq) {
          return fail(
            row.seq,
            `chain starts at seq ${row.seq}, expected ${anchor.firstSeq}: seq ${anchor.firstSeq}..${
              row.seq - 1
            } missing`,
          );
        }
        if (row.seq < anchor.firstSeq) {
          return fail(row.seq, `chain starts at seq ${row.seq}, before anchor ${anchor.firstSeq}`);
        }
      }
    } else if (row.seq <= res.lastSeq) {
      return fail(row.seq, `seq out of order: ${row.seq} after ${res.lastSeq}`);
    } else if (row.seq !== res.lastSeq + 1 && !options.allowGaps) {
      return fail(row.seq, `gap: seq ${res.lastSeq + 1}..${row.seq - 1} missing`);
    }
    const linked = res.lastSeq !== null && row.seq === res.lastSeq + 1;
    const expectedPrev = linked
      ? res.lastHash
      : res.lastSeq !== null || anchor === "first-row"
      ? row.prev_hash
      : anchor.firstPrevHash;
    if (await entryHash(hashed) !== hash) {
      return fail(row.seq, "hash does not match the entry's content");
    }
    if (row.prev_hash !== expectedPrev) {
      return fail(
        row.seq,
        !linked
          ? "prev_hash does not match the chain anchor"
          : `prev_hash does not match the hash of seq ${res.lastSeq}`,
      );
    }
    const claimed = claims.get(row.seq);
    if (claimed !== undefined) {
      if (claimed !== hash) return fail(row.seq, "hash differs from the signed checkpoint");
      res.checkpointsMatched++;
    }
    res.checked++;
    res.lastSeq = row.seq;
    res.lastHash = hash;
  }
  if (options.requireTail && claims.size > 0) {
    const top = Math.max(...claims.keys());
    if (res.lastSeq === null || res.lastSeq < top) {
      return fail(
        (res.lastSeq ?? 0) + 1,
        `tail truncated: signed checkpoint at seq ${top}, chain ends at ${
          res.lastSeq ?? "nothing"
        }`,
      );
    }
  }
  return res;
}
