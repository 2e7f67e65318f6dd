/**
 * Opens the selrec SQLite database: WAL, synchronous=FULL (WAL+NORMAL lost
 * acknowledged commits in a power-cut simulation here), foreign keys, busy timeout.
 * The media path never touches it: capture and encoding run in workers.
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, SqliteDialect } from "kysely";
import { type MigrationResultSet, Migrator } from "kysely/migration";
import { kyselySqlite } from "./sqlite_driver.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { MAIN_PRAGMAS } from "./pragmas.ts";
import type { Database } from "./schema/database.ts";

/** The typed query builder used by every query function. */
export type Db = Kysely<Database>;

/** An open database: the Kysely handle plus the raw connection for pragmas. */
export interface Store extends AsyncDisposable {
  db: Db;
  raw: DatabaseSync;
  path: string;
  close(): Promise<void>;
}

/** Opens (creating if needed) the database at `path` and applies the pragmas. */
export function openStore(path: string, options: { readOnly?: boolean } = {}): Store {
  const raw = new DatabaseSync(path, { readOnly: options.readOnly ?? false });
  raw.exec("PRAGMA busy_timeout = 5000");
  if (!options.readOnly) {
    raw.exec("PRAGMA journal_mode = WAL");
    raw.exec("PRAGMA synchronous = FULL");
  }
  raw.exec("PRAGMA foreign_keys = ON");
  for (const pragma of MAIN_PRAGMAS) raw.exec(pragma);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: kyselySqlite(raw) }) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
  };
  return { db, raw, path, close, [Symbol.asyncDispose]: close };
}

/** The database file of a data directory. */
export function databasePath(dataDir: string): string {
  return join(dataDir, "selrec.db");
}

/** Opens (creating the directory) and migrates `selrec.db` in the data directory. */
export async function openDataStore(dataDir: string): Promise<Store> {
  await Deno.mkdir(dataDir, { recursive: true });
  const store = openStore(databasePath(dataDir));
  try {
    await migrate(store.db);
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Applies pending migrations; throws with the failing migration's name. */
export async function migrate(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`Migration "${failed}" failed: ${(result.error as Error).message}`);
  }
  return result;
}

/** The rows of Kysely's migration table (name, timestamp); none before the first migrate. */
export async function appliedMigrations(db: Db): Promise<unknown[]> {
  return await db.selectFrom("kysely_migration" as never).selectAll().execute()
    .catch(() => []);
}

/** True when the connection answers a trivial query (for health checks). */
export function dbAnswers(raw: DatabaseSync): boolean {
  try {
    raw.prepare("SELECT 1").get();
    return true;
  } catch {
    return false;
  }
}

/** Runs `PRAGMA integrity_check`; returns "ok" or the first problems reported. */
export function integrityCheck(raw: DatabaseSync): string {
  const rows = raw.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join("; ");
}
