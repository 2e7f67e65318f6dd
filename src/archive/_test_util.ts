/** Test helpers for src/archive and tests/integration/storage_*: a temp box with recordings. */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { migrate, openStore, type Store } from "../store/db.ts";
import { ensureSpool } from "../store/queries/recording_writes.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { type Config, resolveConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import type { StorageHost } from "./host.ts";
import { spoolDir } from "./status.ts";

/** A temp data directory with a migrated store, a spool and a config file. */
export interface StorageBox extends AsyncDisposable {
  dir: string;
  config: Config;
  configFile: string;
  store: Store;
  host: StorageHost;
  spoolId: number;
  /** Adds a complete recording with `bytes` of seeded content; returns its facts. */
  addRecording(o?: {
    bytes?: number;
    createdAt?: string;
    retentionClass?: string | null;
    legalHold?: boolean;
  }): Promise<{ id: string; rel: string; sha256: string; file: string }>;
}

let counter = 0;

/** Creates a {@link StorageBox}; `storage` is the raw `storage:` section of selrec.yaml. */
export async function storageBox(
  storage: Record<string, unknown> = {},
  dir?: string,
): Promise<StorageBox> {
  dir ??= await Deno.makeTempDir({ prefix: "selrec-storage-" });
  await Deno.mkdir(dir, { recursive: true });
  const raw = { dataDir: join(dir, "data"), storage: { reserveBytes: 0, ...storage } };
  const configFile = join(dir, "selrec.yaml");
  await Deno.writeTextFile(configFile, stringify(raw));
  const config = resolveConfig(raw, {}, configFile);
  await Deno.mkdir(spoolDir(config), { recursive: true });
  const store = openStore(join(config.dataDir, "selrec.db"));
  await migrate(store.db);
  const spoolId = await ensureSpool(store.db, spoolDir(config));
  const log = createLogger({ level: "error", format: "json", write: () => {} });
  const host: StorageHost = { config, log, audit: new AuditLog(store.db), store };
  return {
    dir,
    config,
    configFile,
    store,
    host,
    spoolId,
    async addRecording(o = {}) {
      const n = ++counter;
      const id = `rec-${n}-${crypto.randomUUID().slice(0, 8)}`;
      const created = o.createdAt ?? "2026-01-02T03:04:05.000Z";
      const rel = `${created.slice(0, 4)}/${created.slice(5, 7)}/${created.slice(8, 10)}/${id}.ogg`;
      const data = new Uint8Array(o.bytes ?? 4096).map((_, i) => (i * 31 + n) & 0xff);
      const file = join(spoolDir(config), rel);
      await Deno.mkdir(join(file, ".."), { recursive: true });
      await Deno.writeFile(file, data);
      const sha256 = createHash("sha256").update(data).digest("hex");
      store.raw.prepare(
        "INSERT INTO calls (id, call_key, source, started_at, metadata) VALUES (?, ?, 'api', ?, '{}')",
      ).run(`call-${id}`, `key-${id}`, created);
      store.raw.prepare(
        `INSERT INTO recordings (id, call_id, state, format, started_at, ended_at, size_bytes,
          sha256, path, storage_location_id, retention_class, legal_hold, created_at)
         VALUES (?, ?, 'complete', 'opus', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        `call-${id}`,
        created,
        created,
        data.length,
        sha256,
        rel,
        spoolId,
        o.retentionClass ?? null,
        o.legalHold ? 1 : 0,
        created,
      );
      return { id, rel, sha256, file };
    },
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir!, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs `deno run -A main.ts ARGS` with the box's config; returns code and output. */
export async function selrec(
  box: { configFile: string },
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, ...args, "--config", box.configFile],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
