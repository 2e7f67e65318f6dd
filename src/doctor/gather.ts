/**
 * Gathers the facts `selrec doctor` judges (checks.ts), read-only: it binds and releases
 * the box's ports, reads /proc and sysctl, df, the mount table and sentinels, the
 * database (read-only), rule files and certificates. It creates nothing in the data
 * directory.
 */
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { evaluateQuota, fsUsage } from "../archive/disk.ts";
import { guardTarget, type TargetSpec } from "../archive/mount_guard.ts";
import { specOf } from "../archive/locations.ts";
import { spoolBytes, spoolDir } from "../archive/status.ts";
import { databasePath, openStore, type Store } from "../store/db.ts";
import { locationsByName } from "../store/queries/storage.ts";
import { checkDatabase } from "../store/snapshot.ts";
import { formatRuleError, loadRules } from "../rules/loader.ts";
import { runningServe } from "../serve_lock.ts";
import { maxFds } from "../process_metrics.ts";
import { type Account, lookupAccount } from "../accounts.ts";
import type { DoctorFacts, PortFact } from "./checks.ts";

async function output(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Binds and releases one port; null when it could be bound, else the error. */
export function tryBind(proto: "udp" | "tcp", hostname: string, port: number): string | null {
  try {
    const s = proto === "udp"
      ? Deno.listenDatagram({ transport: "udp", hostname, port })
      : Deno.listen({ transport: "tcp", hostname, port });
    s.close();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function ports(config: Config): PortFact[] {
  const { sip, http } = config;
  const fact = (check: string, proto: "udp" | "tcp", address: string, port: number) => ({
    check,
    proto,
    address,
    port,
    error: tryBind(proto, address, port),
  });
  return [
    fact("ports.sip-udp", "udp", sip.listen, sip.port),
    fact("ports.sip-tcp", "tcp", sip.listen, sip.port),
    fact("ports.http", "tcp", http.host, http.port),
  ];
}

/** Up to `n` even ports of the range: both ends and evenly spread ones between. */
export function samplePorts(min: number, max: number, n = 16): number[] {
  const pairs = Math.floor((max - min + 1) / 2);
  const picks = new Set<number>();
  for (let i = 0; i < Math.min(n, pairs); i++) {
    picks.add(min + 2 * Math.round((i * (pairs - 1)) / Math.max(1, Math.min(n, pairs) - 1)));
  }
  return [...picks].sort((a, b) => a - b);
}

function rtp(config: Config): DoctorFacts["rtp"] {
  const { min, max } = config.rtp.ports;
  const sample = samplePorts(min, max);
  const busy = sample.filter((p) => tryBind("udp", config.rtp.listen, p) !== null);
  return { min, max, sampled: sample.length, busy };
}

async function nofile(): Promise<DoctorFacts["nofile"]> {
  const loaded = await output("systemctl", [
    "show",
    "selrec.service",
    "-p",
    "LoadState",
    "--value",
  ]);
  if (loaded === "loaded") {
    const v = await output("systemctl", [
      "show",
      "selrec.service",
      "-p",
      "LimitNOFILESoft",
      "--value",
    ]);
    if (v && /^\d+$/.test(v)) return { limit: Number(v), source: "selrec.service LimitNOFILE" };
  }
  return { limit: maxFds(), source: "this process's limit (ulimit -n)" };
}

async function nearestExisting(path: string): Promise<string> {
  let p = path;
  while (!await Deno.stat(p).then(() => true, () => false)) {
    const up = join(p, "..");
    if (up === p) break;
    p = up;
  }
  return p;
}

async function disk(config: Config, store: Store | null): Promise<DoctorFacts["disk"]> {
  try {
    const fs = await fsUsage(await nearestExisting(spoolDir(config)));
    const bytes = store && typeof config.storage.quota === "number"
      ? await spoolBytes(store.db)
      : 0;
    return evaluateQuota(fs, bytes, config.storage);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** `test -w PATH` as `user` (via setpriv when we are root); null when writable. */
async function writableBy(path: string, user: Account | null): Promise<string | null> {
  const asUser = user && Deno.uid() === 0 && Deno.uid() !== user.uid;
  const ok = asUser
    ? await output("setpriv", [
      `--reuid=${user.name}`,
      `--regid=${user.name}`,
      "--init-groups",
      "test",
      "-w",
      path,
    ])
    : await output("test", ["-w", path]);
  return ok !== null ? null : `not writable by ${asUser ? user.name : "this user"}`;
}

async function targets(config: Config, store: Store | null, user: Account | null) {
  const rows = store
    ? await locationsByName(store.db, config.storage.targets.map((t) => t.name))
    : [];
  const out: DoctorFacts["targets"] = [];
  for (const t of config.storage.targets) {
    const row = rows.find((r) => r.name === t.name);
    const spec: TargetSpec = row
      ? specOf(row)
      : { name: t.name, path: t.path, type: t.mount.type, source: t.mount.source, volumeId: null };
    const guard = await guardTarget(spec);
    out.push({
      name: t.name,
      path: t.path,
      guard,
      writable: guard.ok ? await writableBy(t.path, user) : null,
    });
  }
  return out;
}

async function rules(config: Config): Promise<DoctorFacts["rules"]> {
  const r = await loadRules(config.rules.dir, {
    retentionClasses: Object.keys(config.storage.retentionClasses),
  });
  return r.ok
    ? { dir: config.rules.dir, errors: [], count: r.ruleSet.rules.length }
    : { dir: config.rules.dir, errors: r.errors.map(formatRuleError), count: 0 };
}

async function certFact(
  check: string,
  pair: { certFile: string; keyFile: string },
): Promise<DoctorFacts["certs"][number]> {
  const fail = (file: string, err: unknown) => ({
    check,
    file,
    notAfter: null,
    error: (err as Error).message,
  });
  try {
    await Deno.stat(pair.keyFile);
  } catch (err) {
    return fail(pair.keyFile, err);
  }
  try {
    const cert = new X509Certificate(await Deno.readFile(pair.certFile));
    return { check, file: pair.certFile, notAfter: new Date(cert.validTo), error: null };
  } catch (err) {
    return fail(pair.certFile, err);
  }
}

/** The web UI's and the SIP listener's certificates, when configured. */
async function certs(config: Config): Promise<DoctorFacts["certs"]> {
  const out: DoctorFacts["certs"] = [];
  if (config.http.tls) out.push(await certFact("tls.http", config.http.tls));
  if (config.sip.tls) out.push(await certFact("tls.sip", config.sip.tls));
  return out;
}

/** Root-owned paths under `dir` (at most `limit` entries are looked at). */
export async function rootOwned(dir: string, limit = 200_000): Promise<string[]> {
  const found: string[] = [];
  let seen = 0;
  const walk = async (p: string): Promise<void> => {
    if (++seen > limit) return;
    const st = await Deno.lstat(p).catch(() => null);
    if (!st) return;
    if (st.uid === 0) found.push(p);
    if (!st.isDirectory) return;
    for await (const e of Deno.readDir(p)) await walk(join(p, e.name));
  };
  await walk(dir);
  return found;
}

/** Everything doctor looks at, for this config. `serviceUser`: the account name. */
export async function gatherFacts(config: Config, serviceUser: string): Promise<DoctorFacts> {
  const dbPath = databasePath(config.dataDir);
  const hasDb = await Deno.stat(dbPath).then(() => true, () => false);
  await using store = hasDb ? openStore(dbPath, { readOnly: true }) : null;
  const user = await lookupAccount(serviceUser);
  return {
    now: new Date(),
    servePid: await runningServe(config.dataDir),
    ports: ports(config),
    rtp: rtp(config),
    rmemMax: Number(await Deno.readTextFile("/proc/sys/net/core/rmem_max").catch(() => "")) || null,
    nofile: await nofile(),
    disk: await disk(config, store),
    targets: await targets(config, store, user),
    ntp: await output("timedatectl", ["show", "-p", "NTPSynchronized", "--value"]),
    database: { path: dbPath, result: store ? checkDatabase(store.raw) : null },
    rules: await rules(config),
    certs: await certs(config),
    ownership: {
      serviceUser: user?.name ?? null,
      foreign: user ? await rootOwned(config.dataDir) : [],
    },
  };
}
