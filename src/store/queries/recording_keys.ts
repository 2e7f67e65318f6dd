/**
 * Which recordings are sealed (encryption at rest) and under which key-encryption key:
 * set when a recording starts or is adopted by recovery, read by the start-up key check
 * and `selrec keys status`.
 */
import type { Db } from "../db.ts";

/** Marks a recording's file as sealed under KEK `keyId`. */
export async function markSealed(db: Db, id: string, keyId: string): Promise<void> {
  await db.updateTable("recordings").set({ sealed: 1, key_id: keyId }).where("id", "=", id)
    .execute();
}

/** One KEK and how many recordings (with a file still on the box or archive) need it. */
export interface KeyUsage {
  keyId: string;
  recordings: number;
}

/** Recordings per KEK, for every KEK some sealed recording still needs (not purged or deleted). */
export async function keyUsage(db: Db): Promise<KeyUsage[]> {
  const rows = await db.selectFrom("recordings")
    .select(["key_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("sealed", "=", 1)
    .where("key_id", "is not", null)
    .where("state", "not in", ["deleted", "purged"])
    .groupBy("key_id").orderBy("key_id").execute();
  return rows.map((r) => ({ keyId: r.key_id as string, recordings: Number(r.n) }));
}
