/**
 * Runs an action and its audit entry in one transaction: both commit or neither does.
 * Play, export and delete paths use it so that an action whose audit row cannot be
 * written fails with {@link AuditWriteError} and leaves nothing half-done.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema/database.ts";
import { type AuditInput, type AuditLog, AuditWriteError } from "./audit_log.ts";

/**
 * Runs `action(tx)`, then appends the entry `input` (or `input(result)`) in the same
 * transaction. Throws the action's own error, or {@link AuditWriteError} when the audit
 * write fails; either way the transaction rolls back.
 */
export async function withAudit<T>(
  db: Kysely<Database>,
  audit: AuditLog,
  input: AuditInput | ((result: T) => AuditInput),
  action: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return await db.transaction().execute(async (tx) => {
    const result = await action(tx);
    const entry = typeof input === "function" ? input(result) : input;
    try {
      await audit.append(entry, tx);
    } catch (err) {
      throw err instanceof AuditWriteError ? err : new AuditWriteError(entry.action, err);
    }
    return result;
  });
}
