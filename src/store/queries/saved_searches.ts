/** A user's saved searches (migration 0019): a name and the search form's query string. */
import type { Db } from "../db.ts";

/** One saved search. */
export interface SavedSearch {
  id: number;
  name: string;
  query: string;
  created_at: string;
}

/** A user's saved searches by name. */
export async function listSavedSearches(db: Db, userId: number): Promise<SavedSearch[]> {
  return await db.selectFrom("saved_searches").select(["id", "name", "query", "created_at"])
    .where("user_id", "=", userId).orderBy("name").execute();
}

/** Saves (or replaces, by name) a user's search; returns its id. */
export async function saveSearch(
  db: Db,
  userId: number,
  name: string,
  query: string,
  now: Date,
): Promise<number> {
  const row = await db.insertInto("saved_searches")
    .values({ user_id: userId, name, query, created_at: now.toISOString() })
    .onConflict((oc) =>
      oc.columns(["user_id", "name"]).doUpdateSet({ query, created_at: now.toISOString() })
    )
    .returning("id").executeTakeFirstOrThrow();
  return row.id;
}

/** Deletes one of the user's saved searches; returns it, or undefined if it is not theirs. */
export async function deleteSavedSearch(
  db: Db,
  userId: number,
  id: number,
): Promise<SavedSearch | undefined> {
  return await db.deleteFrom("saved_searches").where("user_id", "=", userId)
    .where("id", "=", id).returning(["id", "name", "query", "created_at"])
    .executeTakeFirst();
}

/** How many saved searches a user has (bounded by the route). */
export async function countSavedSearches(db: Db, userId: number): Promise<number> {
  const r = await db.selectFrom("saved_searches").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId).executeTakeFirstOrThrow();
  return Number(r.n);
}
