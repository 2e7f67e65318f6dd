/**
 * The checkpoint service: signs a checkpoint at start, every `audit.checkpointInterval`
 * and at shutdown (while the store is still open: services stop before it closes).
 * A chain that no longer verifies is never signed: the service logs it and raises an
 * `audit.chain` alarm instead.
 */
import type { App, Service } from "../app.ts";
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

/** Builds the checkpoint service of the box; the lead registers it in src/services.ts. */
export function auditCheckpointService(
  app: App,
  options: CheckpointServiceOptions = {},
): AuditCheckpointService {
  const timers = options.timers ?? {
    setInterval: (fn: () => void, ms: number): unknown => setInterval(fn, ms),
    clearInterval: (id: unknown) => clearInterval(id as number),
  };
  const intervalMs = parseDuration(app.config.audit.checkpointInterval);
  const log = app.log.child({ component: "audit" });
  let key: SigningKey | undefined;
  let timer: unknown;
  let running: Promise<Checkpoint | null> = Promise.resolve(null);

  async function once(): Promise<Checkpoint | null> {
    key ??= await loadOrCreateSigningKey(app.config.dataDir);
    try {
      const cp = await writeCheckpoint(app.store.db, app.config.dataDir, key, { now: options.now });
      if (cp) log.debug("audit checkpoint", { seq: cp.seq, count: cp.count });
      return cp;
    } catch (err) {
      if (!(err instanceof AuditChainBrokenError)) throw err;
      log.error("audit chain does not verify; checkpoint not signed", {
        seq: err.broken.seq,
        reason: err.broken.reason,
      });
      await raiseChainAlarm(app, err.message, options.now?.() ?? new Date());
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

async function raiseChainAlarm(app: App, message: string, now: Date): Promise<void> {
  try {
    await raiseAlarm(app.store.db, "audit.chain", "critical", message, now, { keepOpen: true });
  } catch (err) {
    app.log.error("cannot raise audit alarm", { error: err });
  }
}
