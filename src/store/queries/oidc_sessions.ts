/** ID tokens of single sign-on sessions: stored at sign-in, read once at sign-out. */
import type { Db } from "../db.ts";

/** Remembers the ID token of the session `sessionId` (hashed id). */
export async function insertOidcSession(
  db: Db,
  sessionId: string,
  idToken: string,
  now: string,
): Promise<void> {
  await db.insertInto("oidc_sessions").values({
    session_id: sessionId,
    id_token: idToken,
    created_at: now,
  }).execute();
}

/** The ID token of a session, or null for sessions not from single sign-on. */
export async function findOidcIdToken(db: Db, sessionId: string): Promise<string | null> {
  const row = await db.selectFrom("oidc_sessions").select("id_token")
    .where("session_id", "=", sessionId).executeTakeFirst();
  return row?.id_token ?? null;
}
