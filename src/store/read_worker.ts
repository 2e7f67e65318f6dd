/// <reference lib="deno.worker" />
/**
 * A read-only SQLite connection in a worker. Heavy reads (search pages and counts at
 * a million rows) run here, so node:sqlite's blocking calls never stall the main
 * thread's SIP transactions and HTTP. WAL lets it read while the main thread writes.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { READ_PRAGMAS } from "./pragmas.ts";
import { StatementCache } from "./statement_cache.ts";
import { startIdleGc } from "../idle_gc.ts";

startIdleGc();

let db: DatabaseSync | null = null;
/** Statements reused per SQL text, like the main connection's (see statement_cache.ts). */
let statements: StatementCache | null = null;

self.onmessage = (e: MessageEvent) => {
  const msg = e.data as
    | { t: "open"; path: string }
    | { t: "query"; id: number; sql: string; params: SQLInputValue[] };
  if (msg.t === "open") {
    db = new DatabaseSync(msg.path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 5000");
    for (const pragma of READ_PRAGMAS) db.exec(pragma);
    statements = new StatementCache(db);
    self.postMessage({ t: "opened" });
    return;
  }
  try {
    const rows = statements!.get(msg.sql).stmt.all(...msg.params).map((r) => ({ ...r }));
    self.postMessage({ t: "rows", id: msg.id, rows });
  } catch (err) {
    self.postMessage({ t: "error", id: msg.id, error: (err as Error).message });
  }
};
