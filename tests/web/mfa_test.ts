/**
 * TOTP MFA through app.request(): an admin without MFA is sent to enrolment before
 * anything else, enrolment with a code, sign-in with a code, a reused code refused, a
 * recovery code used once, too many wrong codes, and an admin's reset (audited).
 */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";
import { sha256Hex } from "../../src/auth/password.ts";
import { timeStep, totpCode } from "../../src/auth/totp.ts";

let ipSeq = 0;
const nextIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250 + 1}`;
const SAN = { sanitizeOps: true, sanitizeResources: true };
const HTML = { Accept: "text/html" };

/** Password step: returns the challenge cookie (asserting no session was issued). */
async function passwordStep(h: Harness, username: string, ip = "10.0.0.1"): Promise<string> {
  const res = await h.req("/sign-in", { form: { username, password: PASSWORD }, ip });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  assert.match(res.headers.get("Location") ?? "", /^\/sign-in\/code/);
  const cookies = res.headers.get("Set-Cookie") ?? "";
  assert.doesNotMatch(cookies, /selrec_session=/);
  return /selrec_mfa=([^;]+)/.exec(cookies)![1];
}

/** The code step; each call comes from its own address unless `ip` is given (the per-IP
 * backoff is tested elsewhere; here the challenge's own limits are). */
async function codeStep(h: Harness, challenge: string, code: string, ip = nextIp()) {
  const res = await h.req("/sign-in/code", {
    form: { code, next: "/" },
    ip,
    headers: { Cookie: `selrec_mfa=${challenge}` },
  });
  const m = /selrec_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "");
  const client = m
    ? {
      cookie: m[1],
      csrf: (await h.services.store.db.selectFrom("sessions").select("csrf_token")
        .where("id", "=", await sha256Hex(m[1])).executeTakeFirstOrThrow()).csrf_token,
    }
    : null;
  return { res, body: await res.text(), client };
}

async function enrol(h: Harness, username: string): Promise<{ secret: string; codes: string[] }> {
  const c = await h.signIn(username);
  const page = await h.req("/account/mfa", { client: c, headers: HTML });
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.match(html, /<svg/);
  const secret = /id="mfa-secret">([A-Z2-7]+)</.exec(html)![1];
  assert.ok(html.includes(`otpauth://totp/selrec:${username}?`));
  const wrong = await h.req("/account/mfa", { client: c, form: { code: "000000" } });
  assert.equal(wrong.status, 400);
  assert.ok((await wrong.text()).includes(secret), "the pending key is shown again");
  const ok = await h.req("/account/mfa", {
    client: c,
    form: { code: totpCode(secret, timeStep(h.clock)) },
  });
  const done = await ok.text();
  assert.equal(ok.status, 200);
  const codes = [...done.matchAll(/<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<\/code>/g)].map((m) =>
    m[1]
  );
  assert.equal(codes.length, 10);
  return { secret, codes };
}

Deno.test("an admin without MFA is sent to enrolment before anything else", SAN, async () => {
  await using h = await Harness.create({ mfaRequiredRoles: ["admin", "compliance"] });
  const c = await h.signIn("admin");
  for (const path of ["/", "/recordings", "/admin/users", "/audit"]) {
    const res = await h.req(path, { client: c, headers: HTML });
    await res.body?.cancel();
    assert.equal(res.status, 303, path);
    const loc = res.headers.get("Location");
    assert.ok(
      loc === "/account/mfa" || (path === "/" && loc === "/recordings"),
      `${path} → ${loc}`,
    );
  }
  const post = await h.req("/admin/users", {
    client: c,
    form: { username: "x", password: PASSWORD, role: "agent" },
  });
  await post.body?.cancel();
  assert.equal(post.status, 403);
  await using h2 = await Harness.create({ mfaRequiredRoles: ["admin", "compliance"] });
  await h2.user("sam", "supervisor");
  const sam = await h2.signIn("sam");
  const res = await h2.req("/recordings", { client: sam, headers: HTML });
  await res.body?.cancel();
  assert.equal(res.status, 200, "a role outside requiredRoles is not sent to enrolment");
});

Deno.test(
  "enrolment, sign-in with a code, a reused code refused, recovery codes once",
  SAN,
  async () => {
    await using h = await Harness.create({ mfaRequiredRoles: ["admin"] });
    const { secret, codes } = await enrol(h, "admin");
    const c = await h.signIn("admin").catch(() => null);
    assert.equal(c, null, "a password alone no longer signs in");

    // The code used to confirm enrolment is of this step: refused.
    let ch = await passwordStep(h, "admin", nextIp());
    const reused = await codeStep(h, ch, totpCode(secret, timeStep(h.clock)));
    assert.equal(reused.res.status, 401);
    assert.match(reused.body, /already used/);
    h.clock += 30_000;
    const code = totpCode(secret, timeStep(h.clock));
    const ok = await codeStep(h, ch, code);
    assert.equal(ok.res.status, 303);
    assert.ok(ok.client);
    const page = await h.req("/recordings", { client: ok.client, headers: HTML });
    await page.body?.cancel();
    assert.equal(page.status, 200);

    ch = await passwordStep(h, "admin", nextIp());
    const again = await codeStep(h, ch, code);
    assert.equal(again.res.status, 401, "the same code in a new sign-in is refused too");
    const rec = await codeStep(h, ch, codes[3].toLowerCase());
    assert.equal(rec.res.status, 303);
    ch = await passwordStep(h, "admin", nextIp());
    const rec2 = await codeStep(h, ch, codes[3]);
    assert.equal(rec2.res.status, 401, "a recovery code works once");

    const audit = await h.services.store.db.selectFrom("audit_events")
      .select(["action", "outcome", "details"]).where("action", "in", [
        "auth.mfa",
        "auth.mfa_enrol",
      ])
      .orderBy("seq").execute();
    assert.deepEqual(audit.map((a) => `${a.action}:${a.outcome}`), [
      "auth.mfa_enrol:ok",
      "auth.mfa:failed",
      "auth.mfa:failed",
      "auth.mfa:failed",
    ]);
    assert.ok(audit.every((a) => !String(a.details).includes(secret)), "no secret in the audit");
    const signIns = await h.services.store.db.selectFrom("audit_events").select("details")
      .where("action", "=", "auth.sign_in").where("details", "like", '%"mfa":"recovery"%')
      .execute();
    assert.equal(signIns.length, 1);
  },
);

Deno.test("five wrong codes end the challenge; an admin's reset is audited", SAN, async () => {
  await using h = await Harness.create({ mfaRequiredRoles: [] });
  await h.user("sam", "supervisor");
  await enrol(h, "sam");
  const ch = await passwordStep(h, "sam", nextIp());
  for (let i = 0; i < 4; i++) assert.equal((await codeStep(h, ch, "000000")).res.status, 401);
  const last = await codeStep(h, ch, "000000");
  assert.equal(last.res.status, 303);
  assert.equal(last.res.headers.get("Location"), "/sign-in?ended=code");
  assert.equal(
    (await codeStep(h, ch, "000000")).res.headers.get("Location"),
    "/sign-in?ended=code",
  );

  const admin = await h.signIn("admin");
  const sam = await h.services.store.db.selectFrom("users").select("id")
    .where("username", "=", "sam").executeTakeFirstOrThrow();
  const res = await h.req(`/admin/users/${sam.id}/mfa/reset`, {
    client: admin,
    form: { confirm: "yes" },
  });
  await res.body?.cancel();
  assert.equal(res.status, 303);
  await h.signIn("sam"); // no code asked any more
  const row = await h.services.store.db.selectFrom("audit_events").select(["actor_name", "details"])
    .where("action", "=", "user.mfa_reset").executeTakeFirstOrThrow();
  assert.equal(row.actor_name, "admin");
  assert.match(String(row.details), /"hadMfa":true/);
  const denied = await h.req(`/admin/users/${sam.id}/mfa/reset`, {
    client: await h.signIn("sam"),
    form: {},
  });
  await denied.body?.cancel();
  assert.equal(denied.status, 403, "only users.manage may reset");
});
