import assert from "node:assert/strict";
import { evaluateQuota } from "../archive/disk.ts";
import { resolveConfig } from "../config.ts";
import { descriptorsNeeded, type DoctorFacts, failedChecks, runChecks } from "./checks.ts";

const storage = resolveConfig({}, {}, "test").storage;
const GiB = 1024 ** 3;

function healthy(): DoctorFacts {
  return {
    now: new Date("2026-12-01T00:00:00Z"),
    servePid: null,
    ports: [{ check: "ports.sip-udp", proto: "udp", address: "0.0.0.0", port: 5060, error: null }],
    rtp: { min: 20000, max: 29999, sampled: 16, busy: [] },
    rmemMax: 16_777_216,
    nofile: { limit: 65536, source: "test" },
    disk: evaluateQuota(
      { sizeBytes: 100 * GiB, usedBytes: 10 * GiB, availBytes: 90 * GiB },
      0,
      storage,
    ),
    targets: [{
      name: "nas",
      path: "/mnt/selrec",
      guard: { ok: true, dev: 1, root: "/mnt/selrec" },
      writable: null,
    }],
    ntp: "yes",
    database: { path: "/var/lib/selrec/selrec.db", result: "ok" },
    rules: { dir: "/etc/selrec/rules", errors: [], count: 5 },
    certs: [{
      check: "tls.http",
      file: "/etc/selrec/tls/cert.pem",
      notAfter: new Date("2027-12-01T00:00:00Z"),
      error: null,
    }],
    ownership: { serviceUser: "selrec", foreign: [] },
  };
}

const statusOf = (f: DoctorFacts, check: string) =>
  runChecks(f).find((r) => r.check === check)?.status;

Deno.test("runChecks() passes a healthy box", () => {
  assert.deepEqual(failedChecks(runChecks(healthy())), []);
});

Deno.test("runChecks() fails target.NAME when the target is not mounted", () => {
  const f = healthy();
  f.targets[0].guard = {
    ok: false,
    code: "not-mounted",
    reason: '"/mnt/selrec" is not a mountpoint',
  };
  const r = runChecks(f).find((x) => x.check === "target.nas")!;
  assert.equal(r.status, "fail");
  assert.match(r.detail, /^not-mounted: /);
  assert.deepEqual(failedChecks(runChecks(f)), ["target.nas"]);
  f.targets[0].guard = { ok: true, dev: 1, root: "/mnt/selrec" };
  f.targets[0].writable = "not writable by selrec";
  assert.equal(statusOf(f, "target.nas"), "fail");
});

Deno.test("runChecks() fails disk over the critical watermark, warns below it", () => {
  const f = healthy();
  f.disk = evaluateQuota({ sizeBytes: 100 * GiB, usedBytes: 98 * GiB, availBytes: 2 * GiB }, 0, {
    ...storage,
  });
  assert.equal(statusOf(f, "disk"), "fail");
  assert.deepEqual(failedChecks(runChecks(f)), ["disk"]);
  f.disk = evaluateQuota(
    { sizeBytes: 100 * GiB, usedBytes: 85 * GiB, availBytes: 15 * GiB },
    0,
    storage,
  );
  assert.equal(statusOf(f, "disk"), "warn");
});

Deno.test("runChecks() fails files.limit when the RTP range needs more descriptors", () => {
  const f = healthy();
  assert.equal(descriptorsNeeded(f.rtp), 10_000 + 512);
  f.nofile = { limit: 1024, source: "ulimit -n" };
  const r = runChecks(f).find((x) => x.check === "files.limit")!;
  assert.equal(r.status, "fail");
  assert.match(r.detail, /1024 open files \(ulimit -n\) < 10512 needed for RTP ports 20000-29999/);
  f.nofile = { limit: 10_512, source: "ulimit -n" };
  assert.equal(statusOf(f, "files.limit"), "ok");
});

Deno.test("runChecks() fails ownership for a root-owned file in the data directory", () => {
  const f = healthy();
  f.ownership.foreign = ["/var/lib/selrec/keys/audit-ed25519.jwk"];
  const r = runChecks(f).find((x) => x.check === "ownership")!;
  assert.equal(r.status, "fail");
  assert.match(r.detail, /1 root-owned files .*audit-ed25519\.jwk.*chown -R selrec:/);
  f.ownership = { serviceUser: null, foreign: [] };
  assert.equal(statusOf(f, "ownership"), "ok");
});

Deno.test("runChecks(): ports ours while serve runs, certificates near expiry, clock, rules", () => {
  const f = healthy();
  f.ports[0].error = "Address already in use (os error 98)";
  assert.equal(statusOf(f, "ports.sip-udp"), "fail");
  f.servePid = 4242;
  assert.equal(statusOf(f, "ports.sip-udp"), "ok");
  f.certs[0].notAfter = new Date("2026-12-20T00:00:00Z");
  assert.equal(statusOf(f, "tls.http"), "fail");
  f.ntp = null;
  assert.equal(statusOf(f, "clock"), "unknown");
  f.ntp = "no";
  assert.equal(statusOf(f, "clock"), "fail");
  f.rmemMax = 212_992;
  assert.equal(statusOf(f, "udp.rmem_max"), "warn");
  f.rules.errors = ["10-vip.yaml:3:5: rules[0].when: bad"];
  assert.deepEqual(failedChecks(runChecks(f)), ["clock", "rules", "tls.http"]);
});
