/**
 * Route-test harness: the web app's services built from real parts (a migrated store on a
 * temp data dir, the audit log, metrics, health), the web app with an injectable clock,
 * users with cheap password hashes, seeded recordings with real Ogg Opus files, and a
 * request helper that carries the session cookie and CSRF token.
 */
import { join } from "node:path";
import { type Config, resolveConfig } from "../../src/config.ts";
import { dbAnswers, openDataStore, type Store } from "../../src/store/db.ts";
import { AuditLog } from "../../src/audit/audit_log.ts";
import { ensureFirstAdmin } from "../../src/auth/first_admin.ts";
import { Lifecycle } from "../../src/lifecycle.ts";
import { Metrics } from "../../src/metrics.ts";
import { nullLogger } from "../../src/log.ts";
import { hashPassword, sha256Hex } from "../../src/auth/password.ts";
import { createHash } from "node:crypto";
import { addUser } from "../../src/store/queries/users.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { newApp } from "../../web/app.ts";
import type { WebServices } from "../../web/context.ts";
import { stereoTone } from "../helpers/audio.ts";
import { concat } from "../../src/codec/ogg.ts";
import { createOpusEncoder } from "../../src/codec/opus_encoder.ts";
import { OggOpusWriter } from "../../src/codec/opus_ogg_writer.ts";
import type { ActiveCall, CallControl, PauseRequest } from "../../src/call_control.ts";
import type { Directory } from "../../src/auth/directory.ts";

/** A password that passes the ≥ 12 characters rule. */
export const PASSWORD = "correct horse battery";

/**
 * Makes a two-party Ogg Opus file of `seconds` the way the recorder does (440 Hz left,
 * 880 Hz right, two mono streams); writes it to `dir` and returns its bytes.
 */
export async function makeOpus(dir: string, seconds = 3): Promise<Uint8Array> {
  const enc = await createOpusEncoder({ sampleRate: 8000, complexity: 0, bitrate: 32000 });
  const w = new OggOpusWriter({
    serial: 0x5e1,
    channels: 2,
    preSkip: enc.preSkip,
    inputSampleRate: 8000,
    mapping: enc.mapping,
  });
  const pcm = stereoTone(8000, seconds, 440, 880);
  const pages = [...w.headerPages()];
  const step = enc.frameSamples * 2;
  for (let o = 0; o + step <= pcm.length; o += step) {
    pages.push(...w.addPacket(enc.encode(pcm.subarray(o, o + step)), enc.frameSamples48k));
  }
  pages.push(...w.end());
  const bytes = concat(pages);
  await Deno.writeFile(join(dir, `t${seconds}.opus`), bytes);
  return bytes;
}

/**
 * The web services over a real, migrated store in `config.dataDir` (first admin with
 * `adminPassword`), a real audit log, metrics and health; no recorder, reads or rules.
 * Close `store` when done.
 */
export async function realWebServices(
  config: Config,
  adminPassword: string,
): Promise<{ services: WebServices; store: Store }> {
  const store = await openDataStore(config.dataDir);
  await ensureFirstAdmin(store.db, nullLogger, adminPassword);
  const lifecycle = new Lifecycle({ dbAnswers: () => dbAnswers(store.raw) });
  const services: WebServices = {
    config,
    store,
    audit: new AuditLog(store.db),
    log: nullLogger,
    metrics: new Metrics(),
    health: () => lifecycle.health(),
  };
  return { services, store };
}

/** A scriptable CallControl for tests. */
export class FakeCallControl implements CallControl {
  calls: ActiveCall[] = [];
  log: { op: string; callId: string; request: PauseRequest }[] = [];
  findActiveCall(idOrKey: string): ActiveCall | null {
    return this.calls.find((c) =>
      [c.callId, c.siprecSessionId, c.sipCallId, c.ucid].includes(idOrKey)
    ) ?? null;
  }
  activeCallForAgent(agentId: string): ActiveCall | null {
    return this.calls.find((c) => c.agentId === agentId) ?? null;
  }
  pause(callId: string, request: PauseRequest): Promise<void> {
    this.log.push({ op: "pause", callId, request });
    const c = this.calls.find((x) => x.callId === callId)!;
    c.paused = true;
    c.pausedAt = "2026-03-01T10:00:00.000Z";
    c.autoResumeAt = "2026-03-01T10:03:00.000Z";
    return Promise.resolve();
  }
  resume(callId: string, request: PauseRequest): Promise<void> {
    this.log.push({ op: "resume", callId, request });
    const c = this.calls.find((x) => x.callId === callId)!;
    c.paused = false;
    c.pausedAt = c.autoResumeAt = null;
    return Promise.resolve();
  }
  listActive(): ActiveCall[] {
    return this.calls;
  }
}

/** A session as a test client holds it. */
export interface Client {
  cookie: string;
  csrf: string;
}

/** Options for one request. */
export interface Req {
  method?: string;
  client?: Client | null;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  ip?: string;
  /** Leave the CSRF token out. */
  noCsrf?: boolean;
}

/** Everything a route test needs. */
export class Harness implements AsyncDisposable {
  clock = Date.parse("2026-03-01T10:00:00.000Z");
  calls = new FakeCallControl();
  web!: ReturnType<typeof newApp>;
  spool!: string;
  /** The root org unit; the admin sits in it. */
  orgRoot!: number;
  #opus = new Map<number, Uint8Array>();
  private constructor(
    readonly services: WebServices,
    readonly store: Store,
    readonly dir: string,
  ) {}

  /**
   * `mfaRequiredRoles` defaults to none, so route tests sign in with a password only;
   * MFA tests pass the roles (or the shipped default) explicitly. `ldap` configures
   * directory sign-in over `directory`.
   */
  static async create(
    options: {
      scope?: { partitions: boolean; hierarchy: boolean };
      mfaRequiredRoles?: string[];
      ldap?: Record<string, unknown>;
      directory?: Directory;
    } = {},
  ): Promise<Harness> {
    const dir = await Deno.makeTempDir({ prefix: "selrec-web-" });
    await Deno.mkdir(join(dir, "rules"));
    const config = resolveConfig(
      {
        dataDir: join(dir, "data"),
        rules: { dir: join(dir, "rules") },
        auth: {
          scope: options.scope ?? {},
          mfa: { requiredRoles: options.mfaRequiredRoles ?? [] },
          ...(options.ldap ? { ldap: options.ldap } : {}),
        },
      },
      {},
      "test",
    );
    const { services, store } = await realWebServices(config, PASSWORD);
    const h = new Harness(services, store, dir);
    services.callControl = h.calls;
    services.directory = options.directory;
    h.web = newApp(services, { now: () => h.clock, dummyHash: await hashPassword("x", 1000) });
    h.spool = join(dir, "spool");
    await Deno.mkdir(h.spool);
    await store.db.insertInto("storage_locations").values({
      name: "spool",
      kind: "spool",
      path: h.spool,
      healthy: 1,
    })
      .execute();
    const root = await addOrgUnit(store.db, "Org", null);
    h.orgRoot = root.id;
    await store.db.updateTable("users").set({
      password_hash: await hashPassword(PASSWORD, 1000),
      org_unit_id: root.id,
    }).execute();
    return h;
  }

  /** Adds a user with a cheap hash; returns the id. */
  async user(
    username: string,
    role: string,
    o: { partitions?: string[]; orgUnitId?: number | null; agentId?: string } = {},
  ) {
    return await addUser(this.services.store.db, {
      username,
      passwordHash: await hashPassword(PASSWORD, 1000),
      role,
      partitions: o.partitions ?? ["*"],
      orgUnitId: o.orgUnitId ?? null,
      agentId: o.agentId ?? null,
    });
  }

  /** Seeds a complete recording with a real Ogg Opus file under the spool. */
  async recording(
    id: string,
    o: {
      agentId?: string;
      partitions?: string[];
      startedAt?: string;
      seconds?: number;
      customerId?: string;
      ani?: string;
      businessUnit?: string;
      file?: boolean;
      path?: string;
    } = {},
  ) {
    const seconds = o.seconds ?? 3;
    let bytes = this.#opus.get(seconds);
    if (!bytes) this.#opus.set(seconds, bytes = await makeOpus(this.dir, seconds));
    const path = o.path ?? `2026/03/01/${id}.opus`;
    if (o.file !== false) {
      await Deno.mkdir(join(this.spool, path, ".."), { recursive: true });
      await Deno.writeFile(join(this.spool, path), bytes);
    }
    const startedAt = o.startedAt ?? "2026-03-01T09:00:00.000Z";
    const db = this.services.store.db;
    await db.insertInto("calls").values(
      { id: `call-${id}`, call_key: `key-${id}`, source: "siprec", started_at: startedAt } as never,
    ).execute();
    await db.insertInto("recordings").values({
      id,
      call_id: `call-${id}`,
      state: "complete",
      format: "opus",
      started_at: startedAt,
      duration_ms: seconds * 1000,
      size_bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      path,
      storage_location_id: 1,
      legal_hold: 0,
      agent_id: o.agentId ?? "ag1",
      customer_id: o.customerId ?? "cust-1",
      ani: o.ani ?? "+15550001",
      dnis: "+15559999",
      business_unit: o.businessUnit ?? "sales",
      allow_pause: 1,
      flag_interrupted: 0,
      flag_no_media: 0,
      flag_one_way: 0,
      flag_paused: 0,
      flag_gaps: 0,
      created_at: startedAt,
    } as never).execute();
    for (const partition of o.partitions ?? ["p1"]) {
      await db.insertInto("recording_partitions").values({ recording_id: id, partition }).execute();
    }
    return { bytes, path: join(this.spool, path) };
  }

  /** Sends a request through app.request() (no socket). */
  async req(path: string, r: Req = {}): Promise<Response> {
    const headers = new Headers(r.headers);
    if (r.client) headers.set("Cookie", `selrec_session=${r.client.cookie}`);
    let body: BodyInit | undefined;
    if (r.form) {
      const f = new URLSearchParams(r.form);
      if (r.client && !r.noCsrf && !f.has("_csrf")) f.set("_csrf", r.client.csrf);
      body = f;
      headers.set("Content-Type", "application/x-www-form-urlencoded");
    } else if (r.json !== undefined) {
      body = JSON.stringify(r.json);
      headers.set("Content-Type", "application/json");
      if (r.client && !r.noCsrf) headers.set("X-CSRF-Token", r.client.csrf);
    }
    const method = r.method ?? (body ? "POST" : "GET");
    return await this.web.request(`http://selrec.test${path}`, { method, headers, body }, {
      info: { remoteAddr: { hostname: r.ip ?? "10.0.0.1" } },
    });
  }

  /** Signs in; returns the client or throws with the status. */
  async signIn(username: string, password = PASSWORD, ip = "10.0.0.1"): Promise<Client> {
    const res = await this.req("/sign-in", { form: { username, password }, ip });
    await res.body?.cancel();
    const m = /selrec_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "");
    if (res.status !== 303 || !m) throw new Error(`sign-in of ${username} answered ${res.status}`);
    const row = await this.services.store.db.selectFrom("sessions").select("csrf_token")
      .where("id", "=", await sha256Hex(m[1])).executeTakeFirstOrThrow();
    return { cookie: m[1], csrf: row.csrf_token };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.store.close();
    await Deno.remove(this.dir, { recursive: true });
  }
}
