/**
 * Adapts Deno's built-in `node:sqlite` DatabaseSync to the statement interface that
 * Kysely's SqliteDialect expects (the one better-sqlite3 has, which cannot load in Deno).
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { STATEMENT_CACHE_SIZE, StatementCache } from "./statement_cache.ts";

export { STATEMENT_CACHE_SIZE } from "./statement_cache.ts";

type Params = readonly unknown[];

function bind(params: Params): SQLInputValue[] {
  return params.map((p) => typeof p === "boolean" ? (p ? 1 : 0) : p) as SQLInputValue[];
}

/**
 * Wraps a DatabaseSync so Kysely's SqliteDialect can drive it. Statements are prepared
 * once per SQL text and reused: a prepared statement's native memory is freed only when
 * V8 collects it, and a fresh one per query (tens per call) piled up as native memory
 * between the main thread's rare full collections. `iterate` (streaming) gets a
 * statement of its own, so a stream is never reset by another query.
 */
export function kyselySqlite(db: DatabaseSync, cacheSize = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new StatementCache(db, cacheSize);
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const { stmt, reader } = cache.get(sql);
      return {
        reader,
        all: (params: Params) => stmt.all(...bind(params)),
        run: (params: Params) => {
          const r = stmt.run(...bind(params));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params: Params) => db.prepare(sql).iterate(...bind(params)),
      } as SqliteStatement;
    },
  };
}
