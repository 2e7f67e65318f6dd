/**
 * TOTP MFA end to end through the real `selrec serve` with the shipped default
 * (`auth.mfa.requiredRoles: [admin, compliance]`): the first admin is sent to enrolment
 * before anything else, enrols with a code, then signs in with password and code; the
 * same code is refused the second time; a recovery code works once.
 */
import assert from "node:assert/strict";
import { ROOT, startServer, type TestServer } from "../helpers/server.ts";
import { query } from "../helpers/db.ts";
import { timeStep, totpCode } from "../../src/auth/totp.ts";

class Browser {
  cookies = new Map<string, string>();
  constructor(readonly server: TestServer) {}
  async go(path: string, form?: Record<string, string>) {
    const res = await fetch(`${this.server.httpUrl}${path}`, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        Accept: "text/html",
        Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
      body: form ? new URLSearchParams(form) : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(";");
      const [k, v] = kv.split("=");
      if (v === "" || /Max-Age=0/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    return { status: res.status, location: res.headers.get("Location"), text: await res.text() };
  }
  /** Password then, when asked, the code; returns the final response. */
  async signIn(password: string, code?: string) {
    const first = await this.go("/sign-in", { username: "admin", password });
    if (code === undefined) return first;
    assert.match(first.location ?? "", /^\/sign-in\/code/);
    return await this.go("/sign-in/code", { code, next: "/" });
  }
}

Deno.test("MFA through the real server: enrolment first, code sign-in, reuse refused", async () => {
  await using server = await startServer({ env: { SELREC_LOG_LEVEL: "info" } });
  const b = new Browser(server);
  const first = await b.signIn(server.adminPassword);
  assert.equal(first.status, 303);
  assert.equal((await b.go("/recordings")).location, "/account/mfa");
  assert.equal((await b.go("/admin/users")).location, "/account/mfa");
  const enrol = await b.go("/account/mfa");
  const secret = /id="mfa-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(enrol.text)![1];
  const now = Date.now();
  const done = await b.go("/account/mfa", { _csrf: csrf, code: totpCode(secret, timeStep(now)) });
  assert.equal(done.status, 200, done.text);
  const codes = [...done.text.matchAll(/<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<\/code>/g)]
    .map((m) => m[1]);
  assert.equal(codes.length, 10);
  assert.equal((await b.go("/recordings")).status, 200);
  await b.go("/sign-out", { _csrf: csrf });

  // Next step's code (one step of drift is accepted); then the same code is refused.
  const code = totpCode(secret, timeStep(now) + 1);
  const ok = await b.signIn(server.adminPassword, code);
  assert.equal(ok.status, 303, ok.text);
  assert.equal((await b.go("/recordings")).status, 200);
  b.cookies.clear();
  const reused = await b.signIn(server.adminPassword, code);
  assert.equal(reused.status, 401);
  assert.match(reused.text, /already used/);
  const recovery = await b.go("/sign-in/code", { code: codes[0], next: "/" });
  assert.equal(recovery.status, 303);
  b.cookies.clear();
  assert.equal((await b.signIn(server.adminPassword, codes[0])).status, 401);

  const db = `${server.dataDir}/selrec.db`;
  const secrets = query<{ n: number }>(
    db,
    "SELECT count(*) AS n FROM user_mfa WHERE secret = ?",
    secret,
  );
  assert.equal(secrets[0].n, 1);
  assert.equal(await server.stop(), 0);
  assert.ok(!server.output().includes(secret), "the TOTP secret never reaches the log");
  for (const c of codes) assert.ok(!server.output().includes(c), "nor a recovery code");

  // Break-glass for a lost authenticator: the CLI on the box removes the factor, audited.
  const cli = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "user", "mfa-reset", "admin"],
    env: { NO_COLOR: "1", SELREC_DATA_DIR: server.dataDir, USER: "ops" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
  assert.match(new TextDecoder().decode(cli.stdout), /second factor removed for admin/);
  assert.equal(query<{ n: number }>(db, "SELECT count(*) AS n FROM user_mfa")[0].n, 0);
  assert.equal(query<{ n: number }>(db, "SELECT count(*) AS n FROM mfa_recovery_codes")[0].n, 0);
  const row = query<{ actor_type: string; actor_name: string }>(
    db,
    "SELECT actor_type, actor_name FROM audit_events WHERE action = 'user.mfa_reset'",
  );
  assert.deepEqual(row, [{ actor_type: "cli", actor_name: "ops" }]);
});
