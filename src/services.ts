/** Builds the box's services from config, in start order. */
import type { App, Service } from "./app.ts";
import { webServer } from "./web_server.ts";
import { newApp } from "../web/app.ts";
import { formatRuleError, RulesLoadError, RulesService } from "./rules/mod.ts";
import { MediaEngine } from "./recorder/media_engine.ts";
import { RecorderService } from "./recorder/recorder_service.ts";
import { sipService } from "./sip_service.ts";
import { type StorageService, storageService } from "./archive/storage_service.ts";
import { counter, gauge, type Sample } from "./metrics.ts";
import { ReadPool } from "./store/read_pool.ts";
import { VERSION } from "./version.ts";
import { auditCheckpointService } from "./audit/checkpoint_service.ts";
import { sweepDeletedFiles } from "./archive/deleted_files.ts";
import { parseDuration } from "./duration.ts";
import { deleteExpiredSessions } from "./store/queries/sessions.ts";
import type { AuditInput } from "./audit/audit_log.ts";

/**
 * Hourly housekeeping: files of deleted recordings left by a crash, and web sessions
 * past their absolute lifetime (idle ones are refused on use and go here too).
 */
function housekeeping(app: App): Service {
  let timer: ReturnType<typeof setInterval> | undefined;
  const run = async () => {
    try {
      const removed = await sweepDeletedFiles(app.store.db, app.log);
      const idle = new Date(Date.now() - parseDuration(app.config.auth.sessionIdle)).toISOString();
      const old = new Date(Date.now() - parseDuration(app.config.auth.sessionAbsolute))
        .toISOString();
      const expired = await deleteExpiredSessions(app.store.db, idle, old);
      if (removed > 0 || expired > 0) {
        app.log.info("housekeeping", { deletedFiles: removed, expiredSessions: expired });
      }
    } catch (err) {
      app.log.error("housekeeping failed", { error: err });
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

/** Raised when the box cannot start with what it was given (bad rules at startup). */
export class StartupError extends Error {
  override name = "StartupError";
}

/**
 * Logs and audits each rule reload: `rules.reload` with the new fingerprint, or outcome
 * `failed` with the errors when a reload is refused (the previous rules stay in force).
 * Returns a promise of the audit writes so far, for tests.
 */
export function watchRuleReloads(app: App, rules: RulesService): () => Promise<void> {
  let pending = Promise.resolve();
  const audit = (input: Omit<AuditInput, "actor" | "action">) => {
    pending = pending.then(() =>
      app.audit.append({
        actor: { type: "system", name: "rules" },
        action: "rules.reload",
        ...input,
      })
    ).then(() => {}, (err) => app.log.error("audit of a rule reload failed", { error: err }));
  };
  rules.onError((errors) => {
    const messages = errors.map(formatRuleError);
    app.log.error("rule reload failed; previous rules stay in force", { errors: messages });
    audit({
      outcome: "failed",
      target: { type: "rules", id: app.config.rules.dir },
      details: { errors: messages, fingerprint: rules.current().fingerprint },
    });
  });
  rules.onReload((set) => {
    app.log.info("rules reloaded", { fingerprint: set.fingerprint, rules: set.rules.length });
    audit({
      target: { type: "rules", id: app.config.rules.dir },
      details: { fingerprint: set.fingerprint, rules: set.rules.map((r) => r.id) },
    });
  });
  return () => pending;
}

/** Loads the rules; at startup a broken rule set stops the box with every error listed. */
async function rulesService(app: App): Promise<RulesService | null> {
  if (app.config.recorder.recordAll) return null;
  try {
    const rules = await RulesService.open(app.config.rules.dir);
    watchRuleReloads(app, rules);
    return rules;
  } catch (err) {
    if (err instanceof RulesLoadError) {
      throw new StartupError(
        `Invalid rules in ${app.config.rules.dir}:\n` +
          err.errors.map((e) => `  - ${formatRuleError(e)}`).join("\n"),
      );
    }
    throw err;
  }
}

/** Box-level samples for `/metrics`: version, uptime, rule reloads. */
function boxMetrics(app: App, rules: RulesService | null): Sample[] {
  return [
    {
      name: "build_info",
      help: "Version of the running box",
      type: "gauge",
      value: 1,
      labels: { version: VERSION },
    },
    {
      name: "uptime_seconds",
      help: "Seconds since start",
      type: "gauge",
      value: app.health().uptimeSeconds,
    },
    ...(rules
      ? [
        counter("rules_reloads_total", "Rule set reloads", rules.stats().reloads),
        counter(
          "rules_reload_errors_total",
          "Rule reloads refused (the previous rules stayed in force)",
          rules.stats().reloadErrors,
        ),
      ]
      : []),
  ];
}

/** Storage samples for `/metrics`: disk, quota, archive backlog, target health. */
function storageMetrics(storage: StorageService): Sample[] {
  const st = storage.status();
  if (!st) return [];
  const levels = ["ok", "warn", "high", "critical"];
  const spool = st.spool;
  return [
    gauge(
      "storage_level",
      "Spool watermark level: 0 ok, 1 warn, 2 high, 3 critical",
      levels.indexOf(storage.level()),
    ),
    ...("quotaBytes" in spool
      ? [
        gauge("storage_used_bytes", "Bytes counted against the spool quota", spool.countedBytes),
        gauge("storage_free_bytes", "Bytes free under the spool quota", spool.freeBytes),
        gauge("storage_quota_percent", "Spool quota used, percent", spool.percent),
      ]
      : []),
    gauge("archive_backlog_recordings", "Recordings waiting to be archived", st.backlog.count),
    gauge("archive_backlog_bytes", "Bytes waiting to be archived", st.backlog.bytes),
    gauge(
      "archive_last_success_timestamp_seconds",
      "When the last archive copy succeeded",
      st.lastArchiveAt ? Date.parse(st.lastArchiveAt) / 1000 : 0,
    ),
    ...st.targets.map((t) =>
      gauge("archive_target_healthy", "Archive target health", t.healthy ? 1 : 0, {
        target: t.name,
      })
    ),
  ];
}

/** The services `serve` runs. */
export async function buildServices(app: App): Promise<Service[]> {
  const rules = await rulesService(app);
  if (rules) app.rules = rules;
  const engine = await MediaEngine.start({
    listen: app.config.rtp.listen,
    depthMs: app.config.rtp.jitterBufferMs,
    encoders: app.config.recorder.encoderWorkers,
    writeBufferBytes: app.config.recorder.writeBufferBytes,
  });
  app.log.info("media engine ready", {
    opus: engine.backend,
    encoders: engine.encoderCount,
    encoderPriority: engine.encoderPriority,
  });
  const recorder = new RecorderService(app, engine, rules);
  app.metrics.register(() => recorder.metrics());
  app.metrics.register(() => boxMetrics(app, rules));
  app.callControl = recorder;
  app.reads = await ReadPool.open(app.store.path, 2);
  app.recorder = recorder;
  const storage = storageService(app);
  app.storage = storage;
  app.metrics.register(() => storageMetrics(storage));
  const web = newApp(app);
  // Services start in this order and stop in reverse. The checkpoint service stops last,
  // so its final checkpoint covers every audit row the others wrote; storage starts
  // before SIP, so refusal() is right from the first INVITE.
  const services: Service[] = [
    auditCheckpointService(app),
    storage,
    // Read connections stop after the web server that uses them.
    {
      name: "reads",
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(app.reads?.close()),
    },
    recorder,
    sipService(app, recorder, [() => storage.refusal()]),
    webServer(app, (req, info) => web.fetch(req, { info })),
    housekeeping(app),
  ];
  if (rules) {
    services.push({
      name: "rules",
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(rules.close()).then(() => {}),
    });
  }
  return services;
}
