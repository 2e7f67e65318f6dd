/**
 * The append-only, hash-chained audit log. Each entry's hash is
 * SHA-256(prev_hash + canonical JSON of the entry without `hash`), hex encoded.
 * Appends run inside the caller's transaction when given one, so an action and its
 * audit row commit together or not at all.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema/database.ts";
import type { AuditEvent, AuditEventTable } from "../store/schema/audit.ts";
import { auditChainTail, insertAuditEvent } from "../store/queries/audit.ts";
import { canonicalJson } from "./canonical_json.ts";
import { sha256Hex } from "../auth/password.ts";

/** The hash that precedes the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** What a caller supplies for one audit entry. */
export interface AuditInput {
  actor: { type: AuditEventTable["actor_type"]; id?: string | number | null; name?: string | null };
  action: string;
  outcome?: AuditEventTable["outcome"];
  target?: { type: string; id: string } | null;
  recordingId?: string | null;
  customerId?: string | null;
  interactionType?: string | null;
  reason?: { code?: string | null; text?: string | null } | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** The fields that are hashed, in the order the row stores them. */
export type AuditHashed = Omit<AuditEvent, "hash">;

/** Computes an entry's hash from its hashed fields (which include prev_hash). */
export function entryHash(entry: AuditHashed): Promise<string> {
  return sha256Hex(entry.prev_hash + canonicalJson(entry));
}

/** Raised when the audit write fails; the audited action must fail with it. */
export class AuditWriteError extends Error {
  override name = "AuditWriteError";
  constructor(action: string, cause: unknown) {
    super(`Cannot write audit entry for "${action}": ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

type DbOrTx = Kysely<Database> | Transaction<Database>;

/** Appends entries to the chain. */
export class AuditLog {
  #db: Kysely<Database>;
  #now: () => Date;

  constructor(db: Kysely<Database>, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Appends one entry. With `tx`, it joins the caller's transaction; otherwise it runs
   * in its own. Throws {@link AuditWriteError} on any failure.
   */
  async append(input: AuditInput, tx?: Transaction<Database>): Promise<AuditEvent> {
    try {
      if (tx) return await this.#appendIn(tx, input);
      return await this.#db.transaction().execute((t) => this.#appendIn(t, input));
    } catch (err) {
      if (err instanceof AuditWriteError) throw err;
      throw new AuditWriteError(input.action, err);
    }
  }

  async #appendIn(db: DbOrTx, input: AuditInput): Promise<AuditEvent> {
    const last = await auditChainTail(db);
    const entry: AuditHashed = {
      seq: (last?.seq ?? 0) + 1,
      ts: this.#now().toISOString(),
      actor_type: input.actor.type,
      actor_id: input.actor.id == null ? null : String(input.actor.id),
      actor_name: input.actor.name ?? null,
      action: input.action,
      outcome: input.outcome ?? "ok",
      target_type: input.target?.type ?? null,
      target_id: input.target?.id ?? null,
      recording_id: input.recordingId ?? null,
      customer_id: input.customerId ?? null,
      interaction_type: input.interactionType ?? null,
      reason_code: input.reason?.code ?? null,
      reason_text: input.reason?.text ?? null,
      ip: input.ip ?? null,
      details: canonicalJson(input.details ?? {}),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const hash = await entryHash(entry);
    await insertAuditEvent(db, { ...entry, hash });
    return { ...entry, hash };
  }
}
