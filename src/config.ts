/**
 * The only place raw configuration becomes typed: YAML file → environment
 * overrides → zod defaults and validation. Every bad field is reported at once,
 * with its path and the file (or environment variable) it came from.
 */
import { z } from "zod";
import { LineCounter, parseDocument } from "yaml";
import { isDuration } from "./duration.ts";
import { LOG_FORMATS, LOG_LEVELS } from "./log.ts";
import { parseCidr } from "./net/cidr.ts";
import { SOURCE_POLICIES } from "./rtp/source_policy.ts";
import { LdapConfigSchema, MfaConfigSchema } from "./auth/identity_config.ts";
import { agentsLdapProblem, DirectoryConfigSchema } from "./agents/agents_config.ts";
import { OidcConfigSchema } from "./auth/oidc_config.ts";

const duration = z.string().refine(isDuration, {
  message: "expected a duration such as 30s, 15m, 12h, 90d or 7y",
});
const port = z.number().int().min(1).max(65535);
const cidr = z.string().refine((text) => {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}, { message: "expected an address or CIDR such as 10.20.0.0/16" });
const percent = z.number().min(0).max(100);
const reasonCodes = z.array(
  z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "expected a lowercase code such as quality-review"),
).min(1).refine((codes) => new Set(codes).size === codes.length, {
  message: "expected each code once",
});

const portRange = z.string().transform((text, ctx) => {
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(text.trim());
  const lo = m ? Number(m[1]) : NaN, hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1024 || hi > 65535 || lo >= hi || hi - lo < 3) {
    ctx.addIssue({ code: "custom", message: `expected a range like 40000-49999, got "${text}"` });
    return z.NEVER;
  }
  return { min: lo + (lo % 2), max: hi };
});

const archiveTarget = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "expected a short lowercase name"),
  path: z.string().min(1),
  mount: z.strictObject({
    type: z.enum(["nfs", "nfs4", "cifs", "bind", "local", "fuse", "fuse.bindfs"]),
    source: z.string().optional(),
    options: z.string().optional(),
    /** Mount it ourselves (needs CAP_SYS_ADMIN); otherwise systemd does. */
    manage: z.boolean().default(false),
  }).prefault({ type: "local" }),
});

/** Peer-name patterns for mutual TLS: a DNS name (`*.` one label), or an IP address. */
const peerName = z.string().regex(
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^[0-9a-fA-F:.]+$/,
  "expected a DNS name (optionally *.domain) or an IP address",
);

/** `sip.tls`: the TLS listener, its certificate, and client-certificate checks (mTLS). */
const sipTls = z.strictObject({
  port: port.default(5061),
  /** PEM certificate chain and key; re-read on change or SIGHUP (new handshakes only). */
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** PEM CA bundle client certificates must chain to. */
  caFile: z.string().min(1).optional(),
  /** `optional`: a peer may send no certificate, but one it sends must verify. */
  verifyClient: z.enum(["none", "optional", "required"]).default("none"),
  /** Names a client certificate must carry (SAN DNS/IP, else CN); empty = any verified. */
  allowedPeerNames: z.array(peerName).default([]),
  /** Refuse SIP over UDP and TCP with 403 (TLS required). */
  required: z.boolean().default(false),
}).refine((t) => t.verifyClient === "none" || t.caFile !== undefined, {
  message: "verifyClient optional/required needs caFile (the CA client certificates chain to)",
  path: ["caFile"],
}).refine((t) => t.allowedPeerNames.length === 0 || t.verifyClient !== "none", {
  message: "allowedPeerNames needs verifyClient optional or required",
  path: ["allowedPeerNames"],
});

/** The zod schema of selrec.yaml. */
export const ConfigSchema = z.strictObject({
  dataDir: z.string().min(1).default("./data"),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default("info"),
    /** `journal`: JSON with `<N>` priority prefixes; `auto` picks it when $JOURNAL_STREAM is set. */
    format: z.enum(LOG_FORMATS).default("auto"),
  }).prefault({}),
  sip: z.strictObject({
    listen: z.string().default("0.0.0.0"),
    /** The address written into Contact and SDP; defaults to the host's first address. */
    advertisedAddress: z.string().optional(),
    port: port.default(5060),
    maxSessions: z.number().int().min(1).default(2000),
    maxMessageBytes: z.number().int().min(1024).max(1_048_576).default(65_535),
    retryAfterSeconds: z.number().int().min(1).default(30),
    /** Addresses/CIDRs allowed to send SIP: others dropped (UDP), closed at accept (TCP). */
    allowFrom: z.array(cidr).default([]),
    /** New INVITEs per second per source address; over it → 503 + Retry-After. 0: no limit. */
    invitesPerSecondPerSource: z.number().min(0).default(20),
    /** New INVITEs a source may send at once after a quiet spell. */
    inviteBurstPerSource: z.number().int().min(1).default(40),
    /** RFC 4028 session interval we ask for / lower a longer one to (seconds). */
    sessionExpires: z.number().int().min(1).default(1800),
    /** Smallest Session-Expires we accept (less → 422 + Min-SE). RFC 4028's floor is 90. */
    minSE: z.number().int().min(1).default(90),
    tcp: z.strictObject({
      /** Open SIP/TCP connections overall (also kept under a quarter of the descriptor limit). */
      maxConnections: z.number().int().min(1).default(1024),
      maxConnectionsPerSource: z.number().int().min(1).default(64),
      /** Close a connection that received nothing (not even a CRLF keep-alive) for this long. */
      idleSeconds: z.number().min(1).default(120),
      /** Close a connection whose started message is not complete after this long. */
      headerTimeoutSeconds: z.number().min(1).default(10),
    }).prefault({}),
    /** SIP over TLS (RFC 3261 §26): absent = no TLS listener. */
    tls: sipTls.optional(),
    /** Audio streams one INVITE may open; more is refused with 488 (each takes 2 ports). */
    maxStreamsPerSession: z.number().int().min(1).max(64).default(4),
    /** SIP header → metadata key, for plain (non-SIPREC) forks and metadata-less INVITEs. */
    headerMap: z.record(z.string(), z.string()).default({
      "X-Genesys-CallUUID": "UCID",
      "X-UCID": "UCID",
      "X-Agent-ID": "agentId",
      "X-Business-Unit": "businessUnit",
      "X-Customer-Type": "customerType",
      "X-Language": "language",
      "X-Queue": "queue",
      "X-Customer-ID": "customerId",
      "X-GRECORD-PARTITIONS": "GRECORD_PARTITIONS",
    }),
  }).prefault({}),
  rtp: z.strictObject({
    listen: z.string().default("0.0.0.0"),
    /** Outside Linux's ephemeral range (32768–60999), so no outgoing socket takes a port. */
    ports: portRange.prefault("20000-29999"),
    jitterBufferMs: z.number().int().min(0).max(2000).default(100),
    noMediaSeconds: z.number().int().min(1).default(10),
    /** After media started: no RTP/RTCP on any stream this long ends the call (BYE). */
    inactivitySeconds: z.number().min(0.5).default(60),
    /**
     * Who may send a stream's RTP/RTCP: `offer` (the offered address and port),
     * `offer-address` (any port of it), `signalling` (also the SIP peer's address),
     * `networks` (also `mediaNetworks`). Everything else is dropped and counted.
     */
    sourcePolicy: z.enum(SOURCE_POLICIES).default("offer"),
    /** SBC media networks (CIDRs) for the `networks` policy. */
    mediaNetworks: z.array(cidr).default([]),
    /**
     * SRTP with SDES keys (RFC 3711, RFC 4568): `off` refuses RTP/SAVP offers (488),
     * `offered` takes RTP or SRTP, `required` refuses plain RTP (488). Keys arrive in the
     * SDP, so they are taken only over SIP/TLS unless `allowOverPlainSip` (RFC 4568 §8.3).
     */
    srtp: z.strictObject({
      mode: z.enum(["off", "offered", "required"]).default("offered"),
      allowOverPlainSip: z.boolean().default(false),
    }).prefault({}),
  }).prefault({}).refine((r) => r.sourcePolicy !== "networks" || r.mediaNetworks.length > 0, {
    message: "sourcePolicy networks needs at least one CIDR in mediaNetworks",
    path: ["mediaNetworks"],
  }),
  http: z.strictObject({
    host: z.string().default("0.0.0.0"),
    port: z.number().int().min(0).max(65535).default(8080),
    tls: z.strictObject({ certFile: z.string(), keyFile: z.string() }).optional(),
    /** Largest request body the /api/ routes accept (413 beyond); forms take 16 KiB. */
    maxApiBodyBytes: z.number().int().min(1024).max(16_777_216).default(65_536),
    /**
     * Connection limits of the web UI listener (src/http_front.ts): caps overall and per
     * source address, a deadline for the first request's headers (and TLS handshake),
     * and an idle timeout. The overall cap is lowered to fit the open-file limit.
     */
    limits: z.strictObject({
      maxConnections: z.number().int().min(1).max(100_000).default(1024),
      maxConnectionsPerSource: z.number().int().min(1).max(100_000).default(128),
      headerTimeoutSeconds: z.number().min(1).max(300).default(10),
      maxHeaderBytes: z.number().int().min(4096).max(1_048_576).default(65_536),
      idleSeconds: z.number().min(5).max(3600).default(120),
    }).prefault({}),
  }).prefault({}),
  recorder: z.strictObject({
    /** Record every call regardless of rules (bypasses the rule engine). */
    recordAll: z.boolean().default(false),
    format: z.enum(["opus", "wav"]).default("opus"),
    opus: z.strictObject({
      complexity: z.number().int().min(0).max(10).default(5),
      bitrate: z.number().int().min(6000).max(256_000).default(32_000),
      /**
       * A party quieter than this (RMS dBFS) for 200 ms is stored as concealment until
       * they speak again: halves encode CPU and size on conversations. null = off.
       */
      silenceGateDbfs: z.number().min(-96).max(-20).nullable().default(-60),
      /**
       * Deprecated and ignored: each recording's rate comes from its legs, capped by
       * recorder.maxSampleRate. Only 8000 is accepted, so older files still load.
       */
      sampleRate: z.literal(8000, {
        error: "is ignored (only 8000 is accepted): set recorder.maxSampleRate instead",
      }).default(8000),
    }).prefault({}),
    /**
     * Widest rate a recording is made at: each recording takes the widest rate its legs
     * carry (8 kHz G.711/G.729, 16 kHz G.722 and wideband Opus, up to 48 kHz full-band
     * Opus), capped here.
     */
    maxSampleRate: z.union(
      [z.literal(8000), z.literal(16000), z.literal(24000), z.literal(48000)],
      {
        error: "must be 8000, 16000, 24000 or 48000",
      },
    ).default(16000),
    /** Which participant role goes on the left channel. */
    leftChannel: z.enum(["customer", "agent"]).default("customer"),
    /** Reason codes an agent or the API may give for a pause (web and API pause/resume). */
    pauseReasonCodes: reasonCodes.default([
      "payment-card",
      "personal-data",
      "health-data",
      "off-record",
      "other",
    ]),
    encoderWorkers: z.number().int().min(0).max(64).default(0),
    /**
     * Nice value of the capture thread: below 0 it is served before everything else on
     * the box when the CPU runs short (encoding waits instead, spilling to its journal).
     * Needs CAP_SYS_NICE or RLIMIT_NICE (the unit's LimitNICE=-10); 0 leaves it alone.
     */
    captureNice: z.number().int().min(-20).max(0).default(-10),
    pageIntervalMs: z.number().int().min(100).max(1000).default(1000),
    fsyncIntervalMs: z.number().int().min(100).max(2000).default(2000),
    maxPauseSeconds: z.number().int().min(1).default(180),
    drainTimeoutSeconds: z.number().int().min(0).default(30),
    /**
     * Longest recording file: a longer call continues in a new recording linked to the
     * previous one (same call, next segment number), with no audio lost between them.
     */
    maxSegmentSeconds: z.number().min(1).default(14_400),
    /**
     * Audio all recordings together may hold in memory while the disk refuses writes
     * (full, I/O error); past it, audio is lost (stored as silence) and flagged as a gap.
     */
    writeBufferBytes: z.number().int().min(1_048_576).max(8_589_934_592).default(268_435_456),
  }).prefault({}),
  rules: z.strictObject({
    dir: z.string().default("./rules"),
    salt: z.string().default("selrec"),
  }).prefault({}),
  web: z.strictObject({
    /** Reason codes a user must give to export, play, hold or delete a recording. */
    actionReasonCodes: reasonCodes.default([
      "quality-review",
      "customer-complaint",
      "customer-request",
      "legal-request",
      "investigation",
      "training",
      "retention-policy",
      "other",
    ]),
  }).prefault({}),
  decisions: z.strictObject({
    /**
     * How long a decision from `POST /api/v1/decisions` binds the SIPREC call with one of
     * its keys (UCID, Call-ID, SIPREC session id); 0 = advisory only (the rules decide).
     */
    bindSeconds: z.number().int().min(0).max(86_400).default(600),
  }).prefault({}),
  auth: z.strictObject({
    sessionIdle: duration.default("15m"),
    sessionAbsolute: duration.default("12h"),
    lockoutThreshold: z.number().int().min(1).default(10),
    lockoutDuration: duration.default("30m"),
    minPasswordLength: z.number().int().min(12).default(12),
    /** Which visibility checks apply beyond permissions. */
    scope: z.strictObject({
      partitions: z.boolean().default(true),
      hierarchy: z.boolean().default(true),
    })
      .prefault({}),
    /** Directory sign-in (LDAP / Active Directory); absent = local accounts only. */
    ldap: LdapConfigSchema.optional(),
    /** OpenID Connect single sign-on; absent = no "Sign in with …" button. */
    oidc: OidcConfigSchema.optional(),
    /** TOTP second factor: which roles must enrol. */
    mfa: MfaConfigSchema,
  }).prefault({}),
  /** The agent directory's scheduled source (`directory.agents.ldap`). */
  directory: DirectoryConfigSchema,
  audit: z.strictObject({
    retention: duration.default("400d"),
    checkpointInterval: duration.default("1h"),
  }).prefault({}),
  storage: z.strictObject({
    /** Quota as bytes or as "NN%" of the spool's filesystem. */
    quota: z.union([z.number().int().positive(), z.string().regex(/^\d{1,3}%$/)]).default("100%"),
    warnPercent: percent.default(80),
    highPercent: percent.default(90),
    criticalPercent: percent.default(97),
    reserveBytes: z.number().int().min(0).default(1_073_741_824),
    archiveAfter: duration.optional(),
    purgeAfter: duration.optional(),
    /** Named retentions rules can set; the defaults cover the shipped rules' classes. */
    retentionClasses: z.record(z.string(), duration).default({
      qa: "90d",
      standard: "1y",
      long: "3y",
      compliance: "7y",
    }),
    /**
     * What a purge removes once a recording's retention is over (legal hold blocks both):
     * `box` takes it off the box and its UI (a tombstone and an audit row stay; an archive
     * copy is left to the customer's own lifecycle); `everywhere` deletes the archive copy
     * too.
     */
    purge: z.strictObject({
      scope: z.enum(["box", "everywhere"]).default("box"),
    }).prefault({}),
    /** Deprecated alias of `purge.scope` (true = everywhere); `config check` warns. */
    deleteFromArchive: z.boolean().optional(),
    loopInterval: duration.default("15m"),
    copyTimeout: duration.default("10m"),
    targets: z.array(archiveTarget).default([]),
  }).prefault({}),
  /**
   * Encryption at rest (src/seal): each recording (and its spill journal) is sealed in
   * AES-256-GCM chunks under its own data key, wrapped by a key-encryption key (KEK) from
   * a 0600 file in `keyDir` (created at first start) or from `keyCommand` (a KMS/HSM hook
   * given the key id as its last argument, printing the 32-byte key as base64 or hex).
   * On by default: a new box makes its KEK at first start; on a box with plain recordings
   * new ones are sealed at once (`selrec keys encrypt-existing` converts the old ones).
   * `enabled: false` writes plain files (sealed ones stay readable while their KEK is there).
   */
  encryption: z.strictObject({
    enabled: z.boolean().default(true),
    /** KEK files `<id>.key`; default `<dataDir>/keys`. Part of the backup. */
    keyDir: z.string().min(1).optional(),
    keyCommand: z.array(z.string().min(1)).min(1).optional(),
    /** With keyCommand: the KEK id new recordings are wrapped under. */
    keyId: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "1-32 of A-Z a-z 0-9 . _ -").optional(),
    /** Largest plaintext per sealed chunk (a range read decrypts whole chunks). */
    chunkBytes: z.number().int().min(4096).max(1_048_576).default(65_536),
    /**
     * Longest time audio waits in memory before it is sealed into a (maybe short) chunk
     * and written; the file is fdatasync'd every `recorder.fsyncIntervalMs` (≤ 2 s) as a
     * plain one is.
     */
    syncIntervalMs: z.number().int().min(100).max(2000).default(500),
  }).prefault({}).refine((e) => !e.keyCommand || e.keyId !== undefined, {
    message: "keyCommand needs keyId (the KEK new recordings use)",
    path: ["keyId"],
  }),
  /**
   * The background scrubber: re-verifies every recording's file (spool and healthy archive
   * targets) within an I/O budget, resuming where it stopped; `selrec scrub` does a pass now.
   */
  scrub: z.strictObject({
    enabled: z.boolean().default(true),
    /** Read budget of the background scrub, bytes per second. */
    bytesPerSecond: z.number().int().min(4096).default(4_194_304),
    /** Rest between the end of one pass and the start of the next. */
    passInterval: duration.default("24h"),
    /**
     * A read that makes no progress this long (a hung NAS mount) is given up; the rest of
     * its location is skipped until the next run.
     */
    stallTimeout: duration.default("2m"),
  }).prefault({}),
}).strict();

/** The validated, defaulted configuration. */
export type Config = z.infer<typeof ConfigSchema>;
/** Raw (pre-validation) configuration, as read from YAML. */
export type RawConfig = Record<string, unknown>;

/** Raised for any invalid config file or value; `problems` lists every bad field. */
export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`Invalid configuration in ${source}:\n` + problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "ConfigError";
  }
}

const ENV_PATHS: Record<string, { path: string[]; kind: "string" | "int" }> = {
  SELREC_DATA_DIR: { path: ["dataDir"], kind: "string" },
  SELREC_SIP_PORT: { path: ["sip", "port"], kind: "int" },
  SELREC_HTTP_PORT: { path: ["http", "port"], kind: "int" },
  SELREC_HTTP_HOST: { path: ["http", "host"], kind: "string" },
  SELREC_RTP_PORTS: { path: ["rtp", "ports"], kind: "string" },
  SELREC_LOG_LEVEL: { path: ["log", "level"], kind: "string" },
  SELREC_LOG_FORMAT: { path: ["log", "format"], kind: "string" },
  SELREC_SIP_ADDRESS: { path: ["sip", "advertisedAddress"], kind: "string" },
  SELREC_RULES_DIR: { path: ["rules", "dir"], kind: "string" },
};

/** Environment variables that override config fields (documented in README). */
export const CONFIG_ENV_VARS = Object.keys(ENV_PATHS);

function setPath(obj: RawConfig, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as RawConfig;
  }
  cur[path[path.length - 1]] = value;
}

/** Applies `SELREC_*` overrides; returns problems for values that are not numbers. */
function applyEnv(raw: RawConfig, env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [name, { path, kind }] of Object.entries(ENV_PATHS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (kind === "int") {
      if (!/^\d+$/.test(value.trim())) {
        problems.push(`${name}: expected a whole number, got "${value}"`);
        continue;
      }
      setPath(raw, path, Number(value));
    } else setPath(raw, path, value);
  }
  return problems;
}

/** Parses YAML text into a raw object; YAML errors are reported with line and column. */
export function parseConfigYaml(text: string, source: string): RawConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => e.message.split("\n")[0]));
  }
  const value = doc.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(source, ["(root): expected a mapping of settings"]);
  }
  return value as RawConfig;
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(root)" : path.map((p) => String(p)).join(".");
}

/**
 * Validates raw config plus environment overrides. Throws {@link ConfigError} listing
 * every bad field with its path; `source` names the file for the message.
 */
export function resolveConfig(
  raw: RawConfig,
  env: Record<string, string | undefined>,
  source: string,
): Config {
  const merged = structuredClone(raw);
  const problems = applyEnv(merged, env);
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`${formatIssuePath(issue.path)}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  const cfg = result.data;
  applyDeprecatedAliases(cfg, merged, source);
  const s = cfg.storage;
  if (!(s.warnPercent <= s.highPercent && s.highPercent <= s.criticalPercent)) {
    throw new ConfigError(source, [
      "storage: expected warnPercent ≤ highPercent ≤ criticalPercent",
    ]);
  }
  const agents = agentsLdapProblem(cfg.directory, cfg.auth.ldap);
  if (agents !== null) throw new ConfigError(source, [agents]);
  return cfg;
}

/**
 * Maps `storage.deleteFromArchive` (deprecated) onto `storage.purge.scope`; a file that
 * sets both to different answers is refused.
 */
function applyDeprecatedAliases(cfg: Config, raw: RawConfig, source: string): void {
  const s = cfg.storage;
  if (s.deleteFromArchive === undefined) return;
  const alias = s.deleteFromArchive ? "everywhere" : "box";
  const storage = raw.storage as { purge?: { scope?: unknown } } | undefined;
  if (storage?.purge?.scope !== undefined && storage.purge.scope !== alias) {
    throw new ConfigError(source, [
      `storage.deleteFromArchive: ${s.deleteFromArchive} contradicts storage.purge.scope: ` +
      `${s.purge.scope}; remove the deprecated deleteFromArchive`,
    ]);
  }
  s.purge.scope = alias;
}

/** Warnings about a valid config (deprecated keys), for `config check` and `serve`. */
export function configWarnings(cfg: Config): string[] {
  const out: string[] = [];
  if (cfg.storage.deleteFromArchive !== undefined) {
    out.push(
      "storage.deleteFromArchive is deprecated: use storage.purge.scope: " +
        `${cfg.storage.purge.scope} (true = everywhere, false = box)`,
    );
  }
  return out;
}

/** Where the config came from, for `config check` and the startup log. */
export interface LoadedConfig {
  config: Config;
  source: string;
}

/** The installed box's config, read when no other is given and it exists. */
export const SYSTEM_CONFIG = "/etc/selrec/selrec.yaml";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds and loads the config, first found wins: `file` (from --config), else
 * `$SELREC_CONFIG`, else `./selrec.yaml` if present, else `systemConfig`
 * (/etc/selrec/selrec.yaml) if present, else built-in defaults.
 */
export async function loadConfig(
  file: string | undefined,
  env: Record<string, string | undefined>,
  systemConfig = SYSTEM_CONFIG,
): Promise<LoadedConfig> {
  let path = file ?? env.SELREC_CONFIG;
  if (!path) {
    path = (await exists("selrec.yaml"))
      ? "selrec.yaml"
      : (await exists(systemConfig))
      ? systemConfig
      : undefined;
    if (!path) {
      return { config: resolveConfig({}, env, "built-in defaults"), source: "built-in defaults" };
    }
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return { config: resolveConfig(parseConfigYaml(text, path), env, path), source: path };
}

/**
 * A copy of the config with secrets replaced, for printing: values of keys that name
 * a secret, and `password=`/`pass=` items inside mount option strings.
 */
export function redactConfig(config: Config): unknown {
  const redact = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(redact);
    if (typeof v === "string") return v.replace(/\b(password|pass|secret)=([^,]*)/gi, "$1=***");
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map((
          [k, x],
        ) => (/password|secret|token/i.test(k) && typeof x === "string"
          ? [k, "***"]
          : [k, redact(x)])
        ),
      );
    }
    return v;
  };
  return redact(structuredClone(config));
}
