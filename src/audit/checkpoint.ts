/**
 * Signed audit checkpoints, appended (and fsync'd) to `<dataDir>/audit-checkpoints.jsonl`,
 * outside the database. One JSON line per checkpoint:
 *
 * `{"v":1,"seq":N,"hash":H,"ts":T,"count":C,"firstSeq":F,"firstPrevHash":P,"keyId":K,"sig":S}`
 *
 * `seq`/`hash` are the chain tail when signed; `firstSeq`/`firstPrevHash` the anchor
 * (where the chain starts: 1 and GENESIS until an audit retention prune moves it);
 * `count` = rows in the table; `sig` = base64url Ed25519 over the canonical JSON of every
 * other field. A checkpoint pins the tail (truncation after it is detected) and carries
 * the anchor forward: only {@link writeCheckpoint} with an explicit new anchor (the
 * retention path) may move it, so a prefix cut by hand is never legitimized. The retention
 path signs the new anchor twice: as `next` before the cut, as the anchor after it.
 */
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema/database.ts";
import { auditChainStats, auditEventsInSeqOrder, auditHashAt } from "../store/queries/audit.ts";
import { canonicalJson } from "./canonical_json.ts";
import { type SigningKey, type VerifyingKey } from "./checkpoint_key.ts";
import { type Anchor, GENESIS_ANCHOR, verifyChain, type VerifyResult } from "./verify.ts";

/** The checkpoint file name under the data directory. */
export const CHECKPOINT_FILE = "audit-checkpoints.jsonl";

/** One signed checkpoint. */
export interface Checkpoint extends Anchor {
  v: 1;
  seq: number;
  hash: string;
  ts: string;
  count: number;
  keyId: string;
  sig: string;
  /**
   * Signed by the retention path just before it cuts the head: the chain may start here
   * instead (a crash between the cut and the next checkpoint stays verifiable).
   */
  next?: Anchor;
}

/** Raised when a checkpoint cannot be signed because the chain does not verify. */
export class AuditChainBrokenError extends Error {
  override name = "AuditChainBrokenError";
  constructor(readonly broken: { seq: number; reason: string }) {
    super(`Audit chain broken at seq ${broken.seq}: ${broken.reason}`);
  }
}

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The checkpoint file path of a data directory. */
export function checkpointPath(dataDir: string): string {
  return join(dataDir, CHECKPOINT_FILE);
}

/** Signs a checkpoint body. */
export async function signCheckpoint(
  body: Omit<Checkpoint, "sig" | "keyId" | "v">,
  key: SigningKey,
): Promise<Checkpoint> {
  const unsigned = { v: 1 as const, ...body, keyId: key.keyId };
  const sig = await crypto.subtle.sign(
    "Ed25519",
    key.privateKey,
    enc.encode(canonicalJson(unsigned)),
  );
  return { ...unsigned, sig: b64url(new Uint8Array(sig)) };
}

/** True when `cp` carries a valid signature by `key`. */
export async function checkSignature(cp: Checkpoint, key: VerifyingKey): Promise<boolean> {
  if (cp.keyId !== key.keyId || typeof cp.sig !== "string") return false;
  const { sig, ...unsigned } = cp;
  try {
    const sigBytes = fromB64url(sig);
    return await crypto.subtle.verify(
      "Ed25519",
      key.publicKey,
      sigBytes,
      enc.encode(canonicalJson(unsigned)),
    );
  } catch {
    return false;
  }
}

/** Checkpoints read from a file; `problem` names the first line that fails to check. */
export interface CheckpointFile {
  checkpoints: Checkpoint[];
  problem: { line: number; reason: string; seq: number } | null;
}

/**
 * Reads and checks a checkpoint file (missing file = none). Every line must parse and
 * carry a valid signature by `key`, and seq and anchor must never move backwards.
 */
export async function readCheckpoints(
  path: string,
  key: VerifyingKey | null,
): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { checkpoints: [], problem: null };
    throw err;
  }
  const checkpoints: Checkpoint[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const line = i + 1;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(lines[i]) as Checkpoint;
    } catch {
      return { checkpoints, problem: { line, reason: "is not valid JSON", seq: 0 } };
    }
    const seq = Number.isInteger(cp.seq) ? cp.seq : 0;
    if (!key) {
      return { checkpoints, problem: { line, seq, reason: "cannot be checked: no audit key" } };
    }
    if (!await checkSignature(cp, key)) {
      return { checkpoints, problem: { line, seq, reason: "has an invalid signature" } };
    }
    const prev = checkpoints.at(-1);
    if (prev && (cp.seq < prev.seq || cp.firstSeq < prev.firstSeq)) {
      return { checkpoints, problem: { line, seq, reason: "moves backwards" } };
    }
    checkpoints.push(cp);
  }
  return { checkpoints, problem: null };
}

/** Appends one checkpoint line and fsyncs the file (and the directory on creation). */
export async function appendCheckpoint(path: string, cp: Checkpoint): Promise<void> {
  let created = false;
  try {
    await Deno.stat(path);
  } catch {
    created = true;
  }
  using file = await Deno.open(path, { append: true, create: true, mode: 0o644 });
  await file.write(enc.encode(JSON.stringify(cp) + "\n"));
  await file.sync();
  if (created) {
    using dir = await Deno.open(join(path, ".."));
    await dir.sync().catch(() => {});
  }
}

/** Options for {@link writeCheckpoint}. */
export interface WriteCheckpointOptions {
  now?: () => Date;
  /** A new anchor; only the audit retention path passes one. */
  anchor?: Anchor;
  /** Announces the anchor a coming retention cut will leave (see {@link Checkpoint.next}). */
  next?: Anchor;
}

/**
 * The anchor a chain starting at `firstSeq` must have under the latest checkpoint: its
 * own anchor, or its announced `next` anchor when the table already starts there.
 */
export function anchorFor(latest: Checkpoint | undefined, firstSeq: number | null): Anchor {
  if (!latest) return GENESIS_ANCHOR;
  if (latest.next && firstSeq === latest.next.firstSeq) return latest.next;
  return { firstSeq: latest.firstSeq, firstPrevHash: latest.firstPrevHash };
}

/**
 * Verifies the chain from the latest checkpoint to the tail, then signs and appends a
 * new checkpoint. Returns null when the chain is empty, the latest checkpoint when
 * nothing changed. Throws {@link AuditChainBrokenError} rather than sign a broken chain.
 */
export async function writeCheckpoint(
  db: Kysely<Database>,
  dataDir: string,
  key: SigningKey,
  options: WriteCheckpointOptions = {},
): Promise<Checkpoint | null> {
  const path = checkpointPath(dataDir);
  const file = await readCheckpoints(path, key);
  if (file.problem) {
    throw new AuditChainBrokenError({
      seq: file.problem.seq,
      reason: `checkpoint file line ${file.problem.line} ${file.problem.reason}`,
    });
  }
  const latest = file.checkpoints.at(-1);
  const stats = await auditChainStats(db);
  if (stats.first === null) return null;
  const anchor = options.anchor ?? anchorFor(latest, stats.first);
  if (stats.first !== anchor.firstSeq) {
    throw new AuditChainBrokenError({
      seq: stats.first,
      reason: `chain starts at seq ${stats.first}, expected ${anchor.firstSeq}`,
    });
  }
  // Incremental: rows after the latest checkpoint must link to it.
  const resume = !options.anchor && latest && latest.seq >= anchor.firstSeq
    ? { firstSeq: latest.seq + 1, firstPrevHash: latest.hash }
    : anchor;
  const claims = latest ? [{ seq: latest.seq, hash: latest.hash }] : [];
  let res: VerifyResult;
  if (resume === anchor) {
    res = await verifyChain(auditEventsInSeqOrder(db, {}, anchor.firstSeq - 1), {
      anchor,
      checkpoints: claims,
    });
  } else {
    res = await verifyChain(auditEventsInSeqOrder(db, {}, latest!.seq), { anchor: resume });
    if (res.ok && res.lastSeq === null) {
      // No new rows: the checkpointed tail itself must still be there.
      if ((await auditHashAt(db, latest!.seq)) !== latest!.hash) {
        res = { ...res, ok: false, firstBroken: { seq: latest!.seq, reason: "tail truncated" } };
      }
    }
  }
  if (!res.ok) throw new AuditChainBrokenError(res.firstBroken!);
  const tailSeq = res.lastSeq ?? latest!.seq;
  const tailHash = res.lastHash ?? latest!.hash;
  if (stats.count !== tailSeq - anchor.firstSeq + 1) {
    throw new AuditChainBrokenError({ seq: tailSeq, reason: `row count ${stats.count} mismatch` });
  }
  if (
    latest && !options.next && !latest.next && latest.seq === tailSeq &&
    latest.firstSeq === anchor.firstSeq
  ) return latest;
  const cp = await signCheckpoint({
    seq: tailSeq,
    hash: tailHash,
    ts: (options.now?.() ?? new Date()).toISOString(),
    count: stats.count,
    firstSeq: anchor.firstSeq,
    firstPrevHash: anchor.firstPrevHash,
    ...(options.next ? { next: options.next } : {}),
  }, key);
  await appendCheckpoint(path, cp);
  return cp;
}
