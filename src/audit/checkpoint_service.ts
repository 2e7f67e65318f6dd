/**
 * The checkpoint service: signs a checkpoint at start, every `audit.checkpointInterval`
 * and at shutdown (while the store is still open: services stop before it closes).
 * A chain that no longer verifies is never signed: the service logs it and raises an
 * `audit.chain` alarm instead.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Service } from "../service.ts";
import type { Db } from "../store/db.ts";
import { parseDuration } from "../duration.ts";
import { raiseAlarm } from "../store/queries/alarms.ts";
import { AuditChainBrokenError, type Checkpoint, writeCheckpoint } from "./checkpoint.ts";
import { loadOrCreateSigningKey, type SigningKey } from "./checkpoint_key.ts";

/** Timer functions, injectable for tests. */
export interface CheckpointTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

/** Options for {@link auditCheckpointService}. */
export interface CheckpointServiceOptions {
  timers?: CheckpointTimers;
  now?: () => Date;
}

/** The service plus a way to checkpoint now (used by tests and the retention path). */
export interface AuditCheckpointService extends Service {
  checkpointNow(): Promise<Checkpoint | null>;
}

/** What the checkpoint service works with. */
export interface CheckpointServiceDeps {
  /** Config `audit` (the checkpoint interval). */
  audit: Pick<Config["audit"], "checkpointInterval">;
  /** Where the signing key and checkpoint files live. */
  dataDir: string;
  db: Db;
  log: Logger;
}

/** Builds the checkpoint service of the box (registered by the composition root). */
export function auditCheckpointService(
  deps: CheckpointServiceDeps,
  options: CheckpointServiceOptions = {},
): AuditCheckpointService {
  const timers = options.timers ?? {
    setInterval: (fn: () => void, ms: number): unknown => setInterval(fn, ms),
    clearInterval: (id: unknown) => clearInterval(id as number),
  };
  const intervalMs = parseDuration(deps.audit.checkpointInterval);
  const log = deps.log.child({ component: "audit" });
  let key: SigningKey | undefined;
  let timer: unknown;
  let running: Promise<Checkpoint | null> = Promise.resolve(null);

  async function once(): Promise<Checkpoint | null> {
    key ??= await loadOrCreateSigningKey(deps.dataDir);
    try {
      const cp = await writeCheckpoint(deps.db, deps.dataDir, key, { now: options.now });
      if (cp) log.debug("audit checkpoint", { seq: cp.seq, count: cp.count });
      return cp;
    } catch (err) {
      if (!(err instanceof AuditChainBrokenError)) throw err;
      log.error("audit chain does not verify; checkpoint not signed", {
        seq: err.broken.seq,
        reason: err.broken.reason,
      });
      await raiseChainAlarm(deps, err.message, options.now?.() ?? new Date());
      return null;
    }
  }

  /** Serializes runs so the interval and shutdown never sign concurrently. */
  function checkpointNow(): Promise<Checkpoint | null> {
    running = running.catch(() => null).then(once);
    return running;
  }

  return {
    name: "audit-checkpoint",
    checkpointNow,
    async start() {
      await checkpointNow();
      timer = timers.setInterval(() => {
        checkpointNow().catch((err) => log.error("audit checkpoint failed", { error: err }));
      }, intervalMs);
    },
    async stop() {
      if (timer !== undefined) timers.clearInterval(timer);
      timer = undefined;
      await checkpointNow();
    },
  };
}

async function raiseChainAlarm(
  deps: CheckpointServiceDeps,
  message: string,
  now: Date,
): Promise<void> {
  try {
    await raiseAlarm(deps.db, "audit.chain", "critical", message, now, { keepOpen: true });
  } catch (err) {
    deps.log.error("cannot raise audit alarm", { error: err });
  }
}
