/**
 * Hourly housekeeping: files of deleted recordings left by a crash, and web sessions
 * past their absolute lifetime (idle ones are refused on use and go here too).
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { Db } from "./store/db.ts";
import type { Service } from "./service.ts";
import { sweepDeletedFiles } from "./archive/deleted_files.ts";
import { parseDuration } from "./duration.ts";
import { deleteExpiredSessions } from "./store/queries/sessions.ts";

/** What housekeeping works with. */
export interface HousekeepingDeps {
  /** The session lifetimes (config `auth.sessionIdle`, `auth.sessionAbsolute`). */
  auth: Pick<Config["auth"], "sessionIdle" | "sessionAbsolute">;
  db: Db;
  log: Logger;
  now?: () => number;
}

/** The housekeeping service: one run at start, then every hour. */
export function housekeeping(deps: HousekeepingDeps): Service {
  const { auth, db, log } = deps;
  const now = deps.now ?? Date.now;
  let timer: ReturnType<typeof setInterval> | undefined;
  const run = async () => {
    try {
      const removed = await sweepDeletedFiles(db, log);
      const idle = new Date(now() - parseDuration(auth.sessionIdle)).toISOString();
      const old = new Date(now() - parseDuration(auth.sessionAbsolute)).toISOString();
      const expired = await deleteExpiredSessions(db, idle, old);
      if (removed > 0 || expired > 0) {
        log.info("housekeeping", { deletedFiles: removed, expiredSessions: expired });
      }
    } catch (err) {
      log.error("housekeeping failed", { error: err });
    }
  };
  return {
    name: "housekeeping",
    async start() {
      await run();
      timer = setInterval(run, 3_600_000);
    },
    stop() {
      clearInterval(timer);
      return Promise.resolve();
    },
  };
}
