/**
 * Adapts Deno's built-in `node:sqlite` DatabaseSync to the statement interface that
 * Kysely's SqliteDialect expects (the one better-sqlite3 has, which cannot load in Deno).
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

type Params = readonly unknown[];

function bind(params: Params): SQLInputValue[] {
  return params.map((p) => typeof p === "boolean" ? (p ? 1 : 0) : p) as SQLInputValue[];
}

/** Wraps a DatabaseSync so Kysely's SqliteDialect can drive it. */
export function kyselySqlite(db: DatabaseSync): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(sql);
      return {
        reader: stmt.columns().length > 0,
        all: (params: Params) => stmt.all(...bind(params)),
        run: (params: Params) => {
          const r = stmt.run(...bind(params));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params: Params) => stmt.iterate(...bind(params)),
      } as SqliteStatement;
    },
  };
}
