/**
 * Shared by the admin routes: form field readers and `audited()`, which commits a change
 * and its audit entry in one transaction.
 */
import type { Context } from "hono";
import type { Transaction } from "kysely";
import type { AppEnv } from "../context.ts";
import type { Database } from "../../src/store/schema/database.ts";
import type { AuditInput } from "../../src/audit/audit_log.ts";
import { auditActor } from "../recording_access.ts";

/** A parsed form body. */
export type Body = Record<string, string | File | (string | File)[]>;

type Entry = Omit<AuditInput, "actor" | "ip">;

/** Runs `fn` and appends the audit entry (made from its result) in one transaction. */
export async function audited<T>(
  c: Context<AppEnv>,
  input: Entry | ((out: T) => Entry),
  fn: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const svc = c.get("services");
  return await svc.store.db.transaction().execute(async (tx) => {
    const out = await fn(tx);
    const entry = typeof input === "function" ? input(out) : input;
    await svc.audit.append({ ...auditActor(c), ...entry }, tx);
    return out;
  });
}

/** A trimmed text field, at most `max` characters; "" when absent. */
export function text(body: Body, name: string, max = 200): string {
  const v = body[name];
  return typeof v === "string" ? v.trim().slice(0, max) : "";
}

/** A numeric id field, or null when empty or not a number. */
export function optId(body: Body, name: string): number | null {
  const v = text(body, name);
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

/** The numeric `:id` of the path, or null. */
export function pathId(c: Context<AppEnv>): number | null {
  const v = c.req.param("id") ?? "";
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}
