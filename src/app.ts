/**
 * The selrec box: wires services once from config, starts them, drains and stops
 * them. The only place that joins store, SIP, recorder, rules, web and lifecycle loops.
 */
import { join } from "node:path";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import { dbAnswers, migrate, openStore, type Store } from "./store/db.ts";
import { addUser, countUsers } from "./store/queries/users.ts";
import { addOrgUnit } from "./store/queries/org_units.ts";
import { hashPassword, randomPassword } from "./auth/password.ts";
import { VERSION } from "./version.ts";
import { AuditLog } from "./audit/audit_log.ts";
import { Metrics } from "./metrics.ts";
import type { RecorderService } from "./recorder/recorder_service.ts";
import type { RulesService } from "./rules/mod.ts";
import type { ReadPool } from "./store/read_pool.ts";
import type { StorageService } from "./archive/storage_service.ts";
import type { CallControl } from "./call_control.ts";

/** A long-running part of the box with a lifecycle. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Refuse new work and finish in-flight work until `deadline`. */
  drain?(deadline: number): Promise<void>;
  stop(): Promise<void>;
}

/** Health as reported by `GET /healthz`. */
export interface Health {
  status: "ok" | "draining" | "degraded";
  version: string;
  uptimeSeconds: number;
  db: "ok" | "error";
}

/** Options for {@link App.create}; secrets and env come from main.ts only. */
export interface AppOptions {
  log: Logger;
  adminPassword?: string;
  now?: () => number;
}

/** How long past the drain deadline a stuck service drain is waited for. */
const DRAIN_GRACE_MS = 1000;

/** The running box. */
export class App implements AsyncDisposable {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly startedAt: number;
  /** The hash-chained audit trail; every access and change goes through it. */
  readonly audit: AuditLog;
  /** Collectors behind `GET /metrics`; services register theirs. */
  readonly metrics = new Metrics();
  /** Live call control, set by the recorder service when it runs. */
  callControl?: CallControl;
  /** The recorder service, set by `serve` (absent in route tests and CLI commands). */
  recorder?: RecorderService;
  /** Disk watermarks, archive and purge, set by `serve`. */
  storage?: StorageService;
  /** Read-only connections in workers for heavy reads (search), set by `serve`. */
  reads?: ReadPool;
  /** The hot-reloading rules, set by `serve` unless `recorder.recordAll`. */
  rules?: RulesService;
  #services: Service[] = [];
  #state: "created" | "running" | "draining" | "stopped" = "created";
  #now: () => number;

  private constructor(config: Config, store: Store, options: AppOptions) {
    this.config = config;
    this.store = store;
    this.log = options.log;
    this.#now = options.now ?? Date.now;
    this.startedAt = this.#now();
    this.audit = new AuditLog(store.db);
  }

  /** Opens the data directory and database, migrates, creates the first admin if needed. */
  static async create(config: Config, options: AppOptions): Promise<App> {
    await Deno.mkdir(config.dataDir, { recursive: true });
    const store = openStore(join(config.dataDir, "selrec.db"));
    try {
      await migrate(store.db);
      const app = new App(config, store, options);
      await app.#ensureAdmin(options.adminPassword);
      return app;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  async #ensureAdmin(password: string | undefined): Promise<void> {
    if (await countUsers(this.store.db) > 0) return;
    const generated = password === undefined || password === "";
    const secret = generated ? randomPassword() : password;
    // The admin sits at the root of the org hierarchy, so hierarchy scope lets it see all.
    const root = await addOrgUnit(this.store.db, "Organization", null);
    await addUser(this.store.db, {
      orgUnitId: root.id,
      username: "admin",
      passwordHash: await hashPassword(secret),
      role: "admin",
      displayName: "Administrator",
      partitions: ["*"],
      mustChangePassword: generated,
    });
    if (generated) {
      this.log.warn("created first user admin with a random password; change it after signing in", {
        username: "admin",
        password: secret,
      });
    } else {
      this.log.info("created first user admin with the password from SELREC_ADMIN_PASSWORD", {
        username: "admin",
      });
    }
  }

  /** Registers a service; services start in order and stop in reverse. */
  add(service: Service): void {
    this.#services.push(service);
  }

  /** True while new work is accepted. */
  get accepting(): boolean {
    return this.#state === "running";
  }

  get state(): string {
    return this.#state;
  }

  /** Starts every registered service. */
  async start(): Promise<void> {
    for (const s of this.#services) {
      await s.start();
      this.log.debug("service started", { service: s.name });
    }
    this.#state = "running";
  }

  /** Current health, for `/healthz`. */
  health(): Health {
    const db: Health["db"] = dbAnswers(this.store.raw) ? "ok" : "error";
    return {
      status: this.#state === "draining" || this.#state === "stopped"
        ? "draining"
        : db === "ok"
        ? "ok"
        : "degraded",
      version: VERSION,
      uptimeSeconds: Math.floor((this.#now() - this.startedAt) / 1000),
      db,
    };
  }

  /** Drains (refuse new work, finish in-flight up to the configured limit), then stops. */
  async shutdown(): Promise<void> {
    if (this.#state === "stopped") return;
    if (this.#state === "running") {
      this.#state = "draining";
      const deadline = this.#now() + this.config.recorder.drainTimeoutSeconds * 1000;
      this.log.info("draining", { deadlineSeconds: this.config.recorder.drainTimeoutSeconds });
      await this.#drainUntil(deadline);
    }
    this.#state = "stopped";
    for (const s of [...this.#services].reverse()) {
      try {
        await s.stop();
      } catch (err) {
        this.log.error("service failed to stop", { service: s.name, error: err });
      }
    }
    await this.store.close();
    this.log.info("stopped");
  }

  /** Every service's drain, but never past the deadline (plus a second to log it). */
  async #drainUntil(deadline: number): Promise<void> {
    const pending = new Set<string>();
    const drains = this.#services.map(async (s) => {
      pending.add(s.name);
      try {
        await s.drain?.(deadline);
      } catch (err) {
        this.log.error("service failed to drain", { service: s.name, error: err });
      }
      pending.delete(s.name);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => {
      timer = setTimeout(() => r("late"), Math.max(0, deadline - this.#now()) + DRAIN_GRACE_MS);
    });
    const outcome = await Promise.race([Promise.all(drains), late]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.log.warn("drain deadline passed: stopping anyway", { draining: [...pending] });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
