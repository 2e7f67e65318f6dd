/**
 * `selrec doctor`'s checks as pure functions over facts gathered elsewhere (gather.ts):
 * each gives a named row (check, status, detail). A `fail` makes the command exit 1
 * naming it; `warn` and `unknown` are shown but do not fail.
 */
import type { QuotaState } from "../archive/disk.ts";
import type { GuardResult } from "../archive/mount_guard.ts";

/** A check's verdict. */
export type Status = "ok" | "warn" | "fail" | "unknown";

/** One row of the doctor table. */
export interface CheckResult {
  check: string;
  status: Status;
  detail: string;
}

/** A listening socket the box needs, and whether it could be bound now. */
export interface PortFact {
  check: string;
  proto: "udp" | "tcp";
  address: string;
  port: number;
  /** null: bound and released; otherwise why it could not be bound. */
  error: string | null;
}

/** Everything the checks look at. */
export interface DoctorFacts {
  now: Date;
  /** Pid of the `serve` holding the data directory, null when none runs. */
  servePid: number | null;
  ports: PortFact[];
  rtp: { min: number; max: number; sampled: number; busy: number[] };
  /** net.core.rmem_max, null when unreadable. */
  rmemMax: number | null;
  /** The service's open-file limit and where it came from. */
  nofile: { limit: number | null; source: string };
  disk: QuotaState | { error: string };
  targets: { name: string; path: string; guard: GuardResult; writable: string | null }[];
  /** `timedatectl show -p NTPSynchronized --value`: yes / no, null when unavailable. */
  ntp: string | null;
  /** `PRAGMA quick_check`, null when there is no database. */
  database: { path: string; result: string | null };
  rules: { dir: string; errors: string[]; count: number };
  certs: { check: string; file: string; notAfter: Date | null; error: string | null }[];
  ownership: { serviceUser: string | null; foreign: string[] };
}

/** The receive buffer the installer's sysctl sets (16 MiB): headroom for RTP bursts. */
export const RECOMMENDED_RMEM_MAX = 16_777_216;
/** Descriptors beyond the RTP sockets: SIP/TCP, HTTP, database, workers, journals. */
export const FD_MARGIN = 512;
/** Certificates expiring sooner than this fail. */
export const CERT_MIN_DAYS = 30;

/** Descriptors the RTP range can take: a socket per port (RTP and RTCP of each pair). */
export function descriptorsNeeded(rtp: { min: number; max: number }): number {
  const pairs = Math.floor((rtp.max - rtp.min + 1) / 2);
  return pairs * 2 + FD_MARGIN;
}

function portCheck(p: PortFact, servePid: number | null): CheckResult {
  const where = `${p.proto.toUpperCase()} ${p.address}:${p.port}`;
  if (p.error === null) return { check: p.check, status: "ok", detail: `${where} free` };
  if (servePid !== null) {
    return {
      check: p.check,
      status: "ok",
      detail: `${where} in use by selrec serve (pid ${servePid})`,
    };
  }
  return { check: p.check, status: "fail", detail: `${where} cannot be bound: ${p.error}` };
}

function rtpCheck(f: DoctorFacts): CheckResult {
  const range = `${f.rtp.min}-${f.rtp.max}`;
  if (f.rtp.busy.length === 0) {
    return { check: "ports.rtp", status: "ok", detail: `${f.rtp.sampled} ports of ${range} free` };
  }
  const which = f.rtp.busy.slice(0, 5).join(", ");
  if (f.servePid !== null) {
    return {
      check: "ports.rtp",
      status: "ok",
      detail: `${f.rtp.busy.length} sampled ports in use by selrec serve`,
    };
  }
  return {
    check: "ports.rtp",
    status: "fail",
    detail:
      `${f.rtp.busy.length} of ${f.rtp.sampled} sampled ports of ${range} are taken (${which})`,
  };
}

function rmemCheck(v: number | null): CheckResult {
  if (v === null) {
    return { check: "udp.rmem_max", status: "unknown", detail: "cannot read net.core.rmem_max" };
  }
  return v >= RECOMMENDED_RMEM_MAX
    ? { check: "udp.rmem_max", status: "ok", detail: `net.core.rmem_max = ${v}` }
    : {
      check: "udp.rmem_max",
      status: "warn",
      detail:
        `net.core.rmem_max = ${v}, below the recommended ${RECOMMENDED_RMEM_MAX} (sysctl -w net.core.rmem_max=${RECOMMENDED_RMEM_MAX})`,
    };
}

function nofileCheck(f: DoctorFacts): CheckResult {
  const need = descriptorsNeeded(f.rtp);
  const { limit, source } = f.nofile;
  if (limit === null) {
    return {
      check: "files.limit",
      status: "unknown",
      detail: `no open-file limit found (${source})`,
    };
  }
  return limit >= need
    ? {
      check: "files.limit",
      status: "ok",
      detail: `${limit} open files (${source}); the RTP range needs ${need}`,
    }
    : {
      check: "files.limit",
      status: "fail",
      detail:
        `${limit} open files (${source}) < ${need} needed for RTP ports ${f.rtp.min}-${f.rtp.max} ` +
        `(a socket per port + ${FD_MARGIN}); raise LimitNOFILE or narrow rtp.ports`,
    };
}

function diskCheck(d: DoctorFacts["disk"]): CheckResult {
  if ("error" in d) return { check: "disk", status: "fail", detail: d.error };
  const status: Status = d.level === "critical" ? "fail" : d.level === "ok" ? "ok" : "warn";
  return { check: "disk", status, detail: `${d.level}: ${d.reason}` };
}

function targetChecks(f: DoctorFacts): CheckResult[] {
  return f.targets.map((t) => {
    const check = `target.${t.name}`;
    if (!t.guard.ok) return { check, status: "fail", detail: `${t.guard.code}: ${t.guard.reason}` };
    if (t.writable !== null) return { check, status: "fail", detail: `${t.path}: ${t.writable}` };
    return { check, status: "ok", detail: `${t.path} mounted, sentinel ok, writable` };
  });
}

function clockCheck(ntp: string | null): CheckResult {
  if (ntp === null) {
    return { check: "clock", status: "unknown", detail: "timedatectl not available" };
  }
  return ntp === "yes" ? { check: "clock", status: "ok", detail: "NTP synchronised" } : {
    check: "clock",
    status: "fail",
    detail: "clock not synchronised (timedatectl: NTPSynchronized=no)",
  };
}

function databaseCheck(d: DoctorFacts["database"]): CheckResult {
  if (d.result === null) {
    return { check: "database", status: "fail", detail: `no database at ${d.path}` };
  }
  return d.result === "ok"
    ? { check: "database", status: "ok", detail: `${d.path}: quick_check ok` }
    : { check: "database", status: "fail", detail: `${d.path}: ${d.result}` };
}

function rulesCheck(r: DoctorFacts["rules"]): CheckResult {
  return r.errors.length === 0
    ? { check: "rules", status: "ok", detail: `${r.count} rules in ${r.dir}` }
    : {
      check: "rules",
      status: "fail",
      detail: `${r.errors.length} errors; first: ${r.errors[0]}`,
    };
}

function certChecks(f: DoctorFacts): CheckResult[] {
  return f.certs.map((c) => {
    if (c.error !== null || c.notAfter === null) {
      return {
        check: c.check,
        status: "fail",
        detail: `${c.file}: ${c.error ?? "no expiry date"}`,
      };
    }
    const days = Math.floor((c.notAfter.getTime() - f.now.getTime()) / 86_400_000);
    const when = `${c.file} expires ${c.notAfter.toISOString().slice(0, 10)} (${days} days)`;
    return days < CERT_MIN_DAYS
      ? { check: c.check, status: "fail", detail: `${when}: under ${CERT_MIN_DAYS} days` }
      : { check: c.check, status: "ok", detail: when };
  });
}

function ownershipCheck(o: DoctorFacts["ownership"]): CheckResult {
  if (o.serviceUser === null) {
    return { check: "ownership", status: "ok", detail: "no service user on this box" };
  }
  if (o.foreign.length === 0) {
    return { check: "ownership", status: "ok", detail: `every file belongs to ${o.serviceUser}` };
  }
  const first = o.foreign.slice(0, 3).join(", ");
  return {
    check: "ownership",
    status: "fail",
    detail:
      `${o.foreign.length} root-owned files in the data directory (${first}); chown -R ${o.serviceUser}: the data directory`,
  };
}

/** Every check, in table order. */
export function runChecks(f: DoctorFacts): CheckResult[] {
  return [
    ...f.ports.map((p) => portCheck(p, f.servePid)),
    rtpCheck(f),
    rmemCheck(f.rmemMax),
    nofileCheck(f),
    diskCheck(f.disk),
    ...targetChecks(f),
    clockCheck(f.ntp),
    databaseCheck(f.database),
    rulesCheck(f.rules),
    ...certChecks(f),
    ownershipCheck(f.ownership),
  ];
}

/** Names of the failed checks. */
export function failedChecks(results: readonly CheckResult[]): string[] {
  return results.filter((r) => r.status === "fail").map((r) => r.check);
}
