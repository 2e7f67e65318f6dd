/**
 * The real `selrec doctor` (a subprocess): exit 1 naming each failed check for a box whose
 * archive target is not mounted, whose disk is past critical (reserve larger than the
 * disk), whose RTP range needs more descriptors than the open-file limit (prlimit), and
 * whose data directory holds a root-owned file while a service user exists (root only:
 * `nobody` stands in for the service user). A sound box passes those same checks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/server.ts";
import { freeSipPort, freeTcpPort } from "../helpers/ports.ts";

interface Row {
  check: string;
  status: string;
  detail: string;
}

async function doctor(config: string, nofile: number, env: Record<string, string> = {}) {
  const out = await new Deno.Command("prlimit", {
    args: [
      `--nofile=${nofile}:${nofile}`,
      "--",
      Deno.execPath(),
      "run",
      "-A",
      `${ROOT}main.ts`,
      "doctor",
      "--json",
      "--config",
      config,
    ],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const body = JSON.parse(dec.decode(out.stdout));
  const row = (name: string) => (body.results as Row[]).find((r) => r.check === name);
  return { code: out.code, stderr: dec.decode(out.stderr), failed: body.failed as string[], row };
}

async function setup(dir: string, extra: string): Promise<string> {
  const data = join(dir, "data");
  await Deno.mkdir(join(data, "recordings"), { recursive: true });
  const migrate = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "migrate"],
    env: { SELREC_DATA_DIR: data },
    stdout: "null",
  }).output();
  assert.ok(migrate.success);
  const sip = freeSipPort();
  const config = join(dir, "selrec.yaml");
  await Deno.writeTextFile(
    config,
    `dataDir: ${data}
sip: { listen: 127.0.0.1, port: ${sip} }
http: { host: 127.0.0.1, port: ${freeTcpPort()} }
rtp: { listen: 127.0.0.1, ports: "20000-29999" }
rules: { dir: ${ROOT}rules }
${extra}`,
  );
  return config;
}

Deno.test({
  name: "doctor fails target.nas, disk, files.limit, tls.http and ownership by name",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-doctor-" });
    try {
      const nas = join(dir, "nas");
      await Deno.mkdir(nas);
      const config = await setup(
        dir,
        `storage:
  reserveBytes: 1000000000000000
  targets: [{ name: nas, path: ${nas}, mount: { type: nfs, source: "nas:/export" } }]
`,
      );
      // A certificate that expires in 10 days (doctor wants 30).
      const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
      const ssl = await new Deno.Command("openssl", {
        args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
          .concat(["-days", "10", "-subj", "/CN=selrec", "-keyout", key, "-out", cert]),
        stdout: "null",
        stderr: "null",
      }).output();
      assert.ok(ssl.success, "openssl made a certificate");
      await Deno.writeTextFile(
        config,
        (await Deno.readTextFile(config)).replace(
          /^http: \{ (.*) \}$/m,
          `http: { $1, tls: { certFile: ${cert}, keyFile: ${key} } }`,
        ),
      );
      const isRoot = Deno.uid() === 0;
      if (isRoot) await Deno.writeTextFile(join(dir, "data", "stray-root-file"), "x");
      const r = await doctor(config, 2048, { SELREC_SERVICE_USER: "nobody" });
      assert.equal(r.code, 1);
      for (const name of ["target.nas", "disk", "files.limit", ...(isRoot ? ["ownership"] : [])]) {
        assert.ok(r.failed.includes(name), `${name} failed: ${JSON.stringify(r.failed)}`);
        assert.match(r.stderr, new RegExp(`failed: .*${name.replace(".", "\\.")}`));
      }
      assert.match(r.row("target.nas")!.detail, /^not-mounted: /);
      assert.match(r.row("disk")!.detail, /^critical: .*below the 1000000000000000-byte reserve/);
      assert.match(r.row("files.limit")!.detail, /^2048 open files .* < 10512 needed/);
      if (isRoot) assert.match(r.row("ownership")!.detail, /stray-root-file.*chown -R nobody:/);
      else console.log("doctor_test: not root, the ownership check is not exercised");
      assert.match(
        r.row("tls.http")!.detail,
        /cert\.pem expires .* \((9|10) days\): under 30 days/,
      );
      assert.ok(r.failed.includes("tls.http"));
      assert.equal(r.row("database")!.status, "ok");
      assert.equal(r.row("rules")!.status, "ok");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "doctor passes those checks on a sound box",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-doctor-" });
    try {
      const config = await setup(dir, "storage: { reserveBytes: 0 }\n");
      const r = await doctor(config, 20000);
      for (
        const name of [
          "disk",
          "files.limit",
          "ownership",
          "database",
          "rules",
          "ports.sip-udp",
          "ports.http",
        ]
      ) {
        assert.notEqual(r.row(name)?.status, "fail", `${name}: ${r.row(name)?.detail}`);
      }
      assert.equal(r.code, r.failed.length > 0 ? 1 : 0, "exit 1 only when a check failed");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
