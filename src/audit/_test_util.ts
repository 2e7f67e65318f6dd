/** Test helpers for src/audit: a temp data dir with a migrated store and a seeded chain. */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { migrate, openStore, type Store } from "../store/db.ts";
import { AuditLog } from "./audit_log.ts";

/** A temp data directory with an open, migrated store; dispose removes it all. */
export interface TempBox extends AsyncDisposable {
  dir: string;
  store: Store;
  audit: AuditLog;
  /** The clock the audit log uses; advance with `clock.t += ms`. */
  clock: { t: number };
}

/** Creates a {@link TempBox}; the clock starts at 2026-01-01T00:00:00Z. */
export async function tempBox(): Promise<TempBox> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-audit-" });
  const store = openStore(join(dir, "selrec.db"));
  await migrate(store.db);
  const clock = { t: Date.parse("2026-01-01T00:00:00Z") };
  const audit = new AuditLog(store.db, { now: () => new Date(clock.t) });
  return {
    dir,
    store,
    audit,
    clock,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const ACTIONS = ["recording.play", "recording.export", "user.login", "rules.reload"];

/** Appends `n` varied entries, one hour apart. */
export async function seedAudit(box: TempBox, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await box.audit.append({
      actor: i % 5 === 0 ? { type: "system" } : { type: "user", id: i % 3, name: `u${i % 3}` },
      action: ACTIONS[i % ACTIONS.length],
      recordingId: i % 2 === 0 ? `rec-${i}` : null,
      customerId: i % 4 === 0 ? `cust,"${i}"` : null,
      reason: i % 6 === 0 ? { code: "QA", text: "" } : null,
      details: { i, range: [i, i + 1.5], note: i % 7 === 0 ? "line\nbreak" : undefined },
    });
    box.clock.t += 3_600_000;
  }
}

/** Copies the database to `path` (consistent, WAL folded in) and opens it raw. */
export function copyDb(store: Store, path: string): DatabaseSync {
  store.raw.exec(`VACUUM INTO '${path.replaceAll("'", "''")}'`);
  return new DatabaseSync(path);
}

/** Drops the append-only triggers of a raw database (a tamperer's first step). */
export function dropAuditTriggers(raw: DatabaseSync): void {
  raw.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;");
}
