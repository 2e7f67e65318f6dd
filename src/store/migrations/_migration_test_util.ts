import { Migrator } from "kysely/migration";
import { MIGRATIONS } from "./mod.ts";
import { openStore, type Store } from "../db.ts";

/**
 * Runs `fn` on a store in a temporary directory migrated up to the migration just before
 * `migration`, so a test can seed rows in the old shape and then apply it; the directory
 * is removed afterwards.
 */
export async function withStoreBefore(
  migration: string,
  fn: (store: Store) => Promise<void>,
): Promise<void> {
  const names = Object.keys(MIGRATIONS).sort();
  const at = names.indexOf(migration);
  if (at < 1) throw new RangeError(`No migration before "${migration}"`);
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/selrec.db`);
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
    });
    const r = await migrator.migrateTo(names[at - 1]);
    if (r.error) throw r.error;
    await fn(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
