/** The real `selrec serve` process: healthz, first-admin log hint, drain on SIGTERM, CLI exits. */
import assert from "node:assert/strict";
import { ROOT, startServer } from "../helpers/server.ts";

Deno.test({
  name: "serve answers /healthz, logs the web URL and admin hint, exits 0 on SIGTERM",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const server = await startServer({ env: { SELREC_ADMIN_PASSWORD: "" } });
    const r = await fetch(`${server.httpUrl}/healthz`);
    const body = await r.json();
    assert.equal(r.status, 200);
    assert.equal(body.status, "ok");
    assert.equal(body.db, "ok");
    assert.match(body.version, /^\d+\.\d+\.\d+$/);
    assert.equal(typeof body.uptimeSeconds, "number");
    const code = await server.stop();
    assert.equal(code, 0);
    const lines = server.output().split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    assert.ok(
      lines.some((l) => l.msg === "web UI listening" && l.url.startsWith("http://127.0.0.1:")),
    );
    const admin = lines.find((l) => /first user admin/.test(l.msg));
    const file = `${server.dataDir}/initial-admin-password`;
    assert.equal(admin?.passwordFile, file, "the log names the file");
    assert.equal(admin?.level, "warn");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const password = /^password: (\S+)$/m.exec(await Deno.readTextFile(file))![1];
    assert.ok(password.length >= 12);
    assert.ok(!server.output().includes(password), "the password is not in the log");
    assert.ok(lines.some((l) => l.msg === "stopped"));
    await Deno.remove(server.dataDir, { recursive: true });
  },
});

async function cli(args: string[], env: Record<string, string> = {}, stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("CLI: unknown command or flag prints usage on stderr and exits 2", async () => {
  const a = await cli(["frobnicate"]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown command "frobnicate"/);
  assert.match(a.stderr, /Usage: selrec <command>/);
  const b = await cli(["user", "list", "--colour"]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /Usage: selrec user list/);
  const c = await cli(["user", "add", "--help"]);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /--password-stdin/);
});

Deno.test("CLI: config check exits 2 naming every bad field of the file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/broken.yaml`,
    "sip:\n  port: 70000\nhttp:\n  port: -1\nrtp:\n  ports: abc\nstorage:\n  quota: lots\n",
  );
  const r = await cli(["config", "check", `${dir}/broken.yaml`]);
  assert.equal(r.code, 2);
  for (const f of ["broken.yaml", "sip.port", "http.port", "rtp.ports", "storage.quota"]) {
    assert.match(r.stderr, new RegExp(f.replace(".", "\\.")));
  }
  const ok = await cli(["config", "check", "--json"], { SELREC_HTTP_PORT: "9999" });
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.stdout).config.http.port, 9999);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CLI: user add, list, passwd and disable work against the data dir", async () => {
  const dir = await Deno.makeTempDir();
  const env = { SELREC_DATA_DIR: dir };
  const before = await cli(["user", "list"], env);
  assert.equal(before.code, 2, "no database yet: only serve and migrate create one");
  assert.match(before.stderr, /no database at .*selrec\.db .*is this the right config\?/);
  assert.equal((await cli(["migrate"], env)).code, 0);
  const add = await cli(
    ["user", "add", "sue", "--role", "supervisor", "--partitions", "sales,emea", "--json"],
    env,
  );
  assert.equal(add.code, 0, add.stderr);
  assert.ok(JSON.parse(add.stdout).password.length >= 12, "generated password printed once");
  const short = await cli(
    ["user", "add", "bob", "--role", "agent", "--password-stdin"],
    env,
    "short\n",
  );
  assert.equal(short.code, 2);
  assert.match(short.stderr, /at least 12/);
  const dup = await cli(
    ["user", "add", "sue", "--role", "agent", "--password-stdin"],
    env,
    "long enough pw 1\n",
  );
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /taken/);
  const badRole = await cli(
    ["user", "add", "amy", "--role", "king", "--password-stdin"],
    env,
    "long enough pw 1\n",
  );
  assert.equal(badRole.code, 1);
  assert.match(badRole.stderr, /role "king" does not exist/);
  assert.equal((await cli(["user", "disable", "sue"], env)).code, 0);
  assert.equal(
    (await cli(["user", "passwd", "sue", "--password-stdin"], env, "another long pw\n")).code,
    0,
  );
  assert.equal((await cli(["user", "disable", "nobody"], env)).code, 1);
  const list = await cli(["user", "list", "--json"], env);
  const users = JSON.parse(list.stdout);
  assert.deepEqual(users.map((u: { username: string }) => u.username), ["sue"]);
  assert.equal(users[0].disabled, true);
  assert.deepEqual(users[0].partitions, ["emea", "sales"]);
  await Deno.remove(dir, { recursive: true });
});
