/**
 * The composition root: the one place that builds the box. It opens the store, then
 * constructs every service in start order and hands each only what it needs (its slice
 * of config, the store, the audit log, a logger, a clock); the web app gets the typed
 * {@link WebServices} it calls. The result is an {@link App}: built once, complete.
 *
 * It lives outside src/ because it joins src/ services with the web/ app, and src/ never
 * imports web/. main.ts hands {@link openBox} to the `serve` command.
 */
import type { Config } from "./src/config.ts";
import type { Logger } from "./src/log.ts";
import { App } from "./src/app.ts";
import { Lifecycle } from "./src/lifecycle.ts";
import { type Service, StartupError } from "./src/service.ts";
import { claimDataDir } from "./src/serve_lock.ts";
import { dbAnswers, openDataStore, type Store } from "./src/store/db.ts";
import { ReadPool } from "./src/store/read_pool.ts";
import { AuditLog } from "./src/audit/audit_log.ts";
import { auditCheckpointService } from "./src/audit/checkpoint_service.ts";
import { ensureFirstAdmin } from "./src/auth/first_admin.ts";
import { Metrics } from "./src/metrics.ts";
import { boxMetrics, storageMetrics } from "./src/box_metrics.ts";
import { processSamples } from "./src/process_metrics.ts";
import { openRules } from "./src/rule_reloads.ts";
import { MediaEngine } from "./src/recorder/media_engine.ts";
import { RecorderService } from "./src/recorder/recorder_service.ts";
import { recordingSealer } from "./src/recorder/file_seal.ts";
import { defaultGcm, nodeGcm } from "./src/seal/gcm.ts";
import { KeyringStartError, openKeyring, recordedKeyId } from "./src/keys/open_keyring.ts";
import { kekRefreshService } from "./src/keys/kek_refresh.ts";
import { keyUsage } from "./src/store/queries/recording_keys.ts";
import { storageService } from "./src/archive/storage_service.ts";
import { scrubService } from "./src/archive/scrub_service.ts";
import { IntegrityReadCounts } from "./src/archive/integrity_reads.ts";
import { sipService } from "./src/sip_service.ts";
import { webServer } from "./src/web_server.ts";
import { housekeeping } from "./src/housekeeping.ts";
import { agentSyncFor } from "./src/agents/agent_sync_service.ts";
import { LdapDirectory } from "./src/auth/ldap_directory.ts";
import { OidcClient } from "./src/auth/oidc_client.ts";
import { newApp } from "./web/app.ts";
import type { WebServices } from "./web/context.ts";

/** Options for {@link openBox}; secrets and env come from main.ts only. */
export interface BoxOptions {
  log: Logger;
  /** The first admin's password (`SELREC_ADMIN_PASSWORD`); random when absent. */
  adminPassword?: string;
  now?: () => number;
}

/**
 * Opens the data directory and database (migrated, first admin created if needed) and
 * builds every service of `serve`. Throws `StartupError` for a broken rule set.
 */
export async function openBox(config: Config, options: BoxOptions): Promise<App> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  // The pid file comes first: no migration of a database another serve is using.
  const release = await claimDataDir(config.dataDir).catch((err) => {
    throw new StartupError((err as Error).message);
  });
  let store: Store | null = null;
  try {
    store = await openDataStore(config.dataDir);
    await ensureFirstAdmin(store.db, options.log, options.adminPassword, config.dataDir);
    return await buildBox(config, store, options, release);
  } catch (err) {
    await store?.close();
    await release();
    throw err;
  }
}

/** A service with nothing to start, closing `close` at stop. */
function closing(name: string, close: () => unknown): Service {
  return {
    name,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(close()).then(() => {}),
  };
}

async function buildBox(
  config: Config,
  store: Store,
  options: BoxOptions,
  releaseDataDir: () => Promise<void>,
): Promise<App> {
  const { log } = options;
  const now = options.now ?? Date.now;
  const lifecycle = new Lifecycle({ now, dbAnswers: () => dbAnswers(store.raw) });
  const audit = new AuditLog(store.db);
  const metrics = new Metrics();
  // Keys before anything starts: sealed recordings whose KEK is gone refuse the start.
  const keyring = await openKeyring(config, await keyUsage(store.db), log, {
    recordedKeyId: recordedKeyId(store.db, config.encryption),
  }).catch((err) => {
    throw err instanceof KeyringStartError ? new StartupError(err.message) : err;
  });
  const sealing = keyring && {
    keyring,
    sealer: config.encryption.enabled ? recordingSealer(keyring, config.encryption) : null,
  };
  if (keyring) {
    const gcm = defaultGcm().name;
    if (gcm === nodeGcm.name) {
      log.warn(
        "sealed files use node:crypto's AES-GCM: libcrypto.so.3 (Debian libssl3) is not loadable here, so reading and sealing is several times slower",
        { gcm },
      );
    } else log.info("sealed files use AES-256-GCM", { gcm });
  }
  const rules = await openRules({
    audit,
    log,
    rules: config.rules,
    recordAll: config.recorder.recordAll,
    retentionClasses: Object.keys(config.storage.retentionClasses),
  });
  const engine = await MediaEngine.start({
    listen: config.rtp.listen,
    depthMs: config.rtp.jitterBufferMs,
    encoders: config.recorder.encoderWorkers,
    writeBufferBytes: config.recorder.writeBufferBytes,
    inactivityMs: config.rtp.inactivitySeconds * 1000,
    captureNice: config.recorder.captureNice,
  });
  log.info("media engine ready", {
    opus: engine.backend,
    encoders: engine.encoderCount,
    encoderPriority: engine.encoderPriority,
    capturePriority: engine.capturePriority,
    srtpCrypto: engine.srtpCrypto,
  });
  if (!engine.srtpCrypto.startsWith("OpenSSL")) {
    log.warn(
      "SRTP (AES-CM) is decrypted by the TypeScript fallback: libcrypto.so.3 (Debian libssl3) is not loadable here, so each packet costs about twice as much and AES is not constant-time",
      { srtpCrypto: engine.srtpCrypto },
    );
  }
  if (engine.backend.startsWith("wasm")) {
    log.warn(
      "Opus is encoded by libopus's WASM build, about twice the CPU of the native addon: each encoder thread loads its own copy of the addon from a temporary directory (TMPDIR must be writable and not mounted noexec)",
      { opus: engine.backend },
    );
  }
  if (config.recorder.captureNice < 0 && !engine.capturePriority.startsWith("nice")) {
    log.warn(
      "the capture thread runs at normal priority: when the CPU runs short it competes with everything else, and sockets it cannot read in time lose packets",
      { capturePriority: engine.capturePriority },
    );
  }
  const recorder = new RecorderService({ config, store, audit, log, engine, rules, sealing });
  metrics.register(() => recorder.metrics());
  metrics.register(() => boxMetrics(() => lifecycle.health(), rules));
  metrics.register(processSamples);
  const reads = await ReadPool.open(store.path, 2);
  const storage = storageService({ config, log, audit, store });
  metrics.register(() => storageMetrics(storage));
  const scrub = scrubService({ scrub: config.scrub, db: store.db, audit, log, now, keyring });
  metrics.register(() => scrub.metrics());
  const integrityReads = new IntegrityReadCounts();
  metrics.register(() => integrityReads.metrics());
  // Reads the client secret now (a missing file fails the start); discovery waits for use.
  const oidc = config.auth.oidc ? await OidcClient.create(config.auth.oidc) : undefined;
  const services: WebServices = {
    config,
    store,
    audit,
    log,
    metrics,
    health: () => lifecycle.health(),
    reads,
    callControl: recorder,
    rules: rules ?? undefined,
    directory: config.auth.ldap ? new LdapDirectory(config.auth.ldap) : undefined,
    keyring: keyring ?? undefined,
    integrityReads,
    oidc,
  };
  const web = newApp(services);
  // Services start in this order and stop in reverse. The store closes last; the
  // checkpoint service stops just before it, so its final checkpoint covers every audit
  // row the others wrote; storage starts before SIP, so refusal() is right from the
  // first INVITE; read connections stop after the web server that uses them.
  const order: Service[] = [
    closing("pid file", releaseDataDir),
    closing("store", () => store.close()),
    auditCheckpointService({ audit: config.audit, dataDir: config.dataDir, db: store.db, log }),
    storage,
    closing("reads", () => reads.close()),
    recorder,
    // Before SIP: a rotation's new KEK (SIGHUP from `keys rotate`) reaches new calls.
    kekRefreshService({ keyring, log }),
    sipService({
      sip: config.sip,
      rtp: config.rtp,
      log,
      metrics,
      recorder,
      accepting: () => lifecycle.accepting,
      refusals: [() => storage.refusal()],
    }),
    webServer({ http: config.http, log, metrics }, (req, info) => web.fetch(req, { info })),
    housekeeping({ auth: config.auth, db: store.db, log }),
    scrub,
  ];
  if (rules) order.push(closing("rules", () => rules.close()));
  order.push(...agentSyncFor(config, { db: store.db, audit, log, now }));
  if (oidc) order.push(closing("oidc client", () => oidc.close()));
  return new App({
    log,
    lifecycle,
    services: order,
    drainTimeoutSeconds: config.recorder.drainTimeoutSeconds,
    now,
  });
}
