/**
 * Claims of recordings (migration 0024): the mutual exclusion of the archive loop and the
 * key commands around one recording's read-convert-switch window. Taking a claim is one
 * INSERT … ON CONFLICT DO UPDATE … WHERE statement, so SQLite's write lock makes it
 * atomic across processes: it succeeds when there is no claim, the claim is the caller's
 * own, it expired, or it is the one the caller found stale (its process gone).
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";
import type { RecordingClaimTable } from "../schema/keys.ts";

/** One claim request. */
export interface ClaimInput {
  recordingId: string;
  holder: string;
  pid: number;
  purpose: string;
  /** ISO time now; claims that expire before it are free. */
  now: string;
  expiresAt: string;
  /** A holder whose claim the caller found stale (its pid is gone): taken over too. */
  staleHolder?: string | null;
}

/** Takes (or renews) the claim of a recording; false when another live holder has it. */
export async function takeClaim(db: Db, c: ClaimInput): Promise<boolean> {
  const r = await sql`INSERT INTO recording_claims
      (recording_id, holder, pid, purpose, expires_at)
    VALUES (${c.recordingId}, ${c.holder}, ${c.pid}, ${c.purpose}, ${c.expiresAt})
    ON CONFLICT (recording_id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid,
      purpose = excluded.purpose, expires_at = excluded.expires_at
    WHERE recording_claims.holder = excluded.holder
      OR recording_claims.expires_at < ${c.now}
      OR recording_claims.holder = ${c.staleHolder ?? null}`.execute(db);
  return r.numAffectedRows === 1n;
}

/** The claim of a recording, or undefined when there is none. */
export async function claimOf(
  db: Db,
  recordingId: string,
): Promise<RecordingClaimTable | undefined> {
  const r = await db.selectFrom("recording_claims").selectAll()
    .where("recording_id", "=", recordingId).executeTakeFirst();
  return r ? { ...r } : undefined;
}

/** Gives a claim back (only the holder's own). */
export async function releaseClaim(db: Db, recordingId: string, holder: string): Promise<void> {
  await db.deleteFrom("recording_claims").where("recording_id", "=", recordingId)
    .where("holder", "=", holder).execute();
}
