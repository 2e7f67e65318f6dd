/**
 * Prepared statements kept per connection, by SQL text, least recently used dropped
 * first. A prepared statement's native memory is freed only when V8 collects its
 * wrapper, so a fresh statement per query (tens per call) piled up as native memory
 * between rare full collections; reusing one per SQL text keeps it flat.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** Statements kept per connection by default. */
export const STATEMENT_CACHE_SIZE = 256;

/** A bounded LRU of prepared statements of one connection. */
export class StatementCache {
  #db: DatabaseSync;
  #size: number;
  #entries = new Map<string, { stmt: StatementSync; reader: boolean }>();

  constructor(db: DatabaseSync, size = STATEMENT_CACHE_SIZE) {
    if (!(size >= 1)) throw new RangeError(`Statement cache size must be ≥ 1, got ${size}`);
    this.#db = db;
    this.#size = size;
  }

  /** The statement for `sql` (prepared on first use); `reader` when it returns rows. */
  get(sql: string): { stmt: StatementSync; reader: boolean } {
    let entry = this.#entries.get(sql);
    if (entry) this.#entries.delete(sql);
    else {
      const stmt = this.#db.prepare(sql);
      entry = { stmt, reader: stmt.columns().length > 0 };
      if (this.#entries.size >= this.#size) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
    }
    this.#entries.set(sql, entry);
    return entry;
  }

  /** Statements held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops every statement (before the connection closes). */
  clear(): void {
    this.#entries.clear();
  }
}
