/**
 * Admin pages and the page frame (issue 17): destructive actions ask first (no-script
 * confirmation page; nothing happens until confirmed), a success message shows once after
 * the redirect, the role grid saves in one post, org units rename and move (a cycle is
 * refused), tokens without a scope or with an out-of-bounds expiry are refused with the
 * field named, error pages keep the navigation, and the audit details are a key/value list.
 */
import assert from "node:assert/strict";
import { type Client, Harness } from "./harness.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";

const T = { sanitizeOps: true, sanitizeResources: true };

async function auditCount(h: Harness, action: string): Promise<number> {
  const rows = await h.services.store.db.selectFrom("audit_events").select("seq")
    .where("action", "=", action).execute();
  return rows.length;
}

/** GET `path` with the session and a flash cookie, as the browser does after a redirect. */
async function getWith(h: Harness, c: Client, path: string, setCookie: string | null) {
  const flash = /selrec_flash=[^;]*/.exec(setCookie ?? "")?.[0];
  const cookie = [`selrec_session=${c.cookie}`, ...(flash ? [flash] : [])].join("; ");
  const res = await h.web.request(`http://selrec.test${path}`, { headers: { Cookie: cookie } }, {
    info: { remoteAddr: { hostname: "10.0.0.1" } },
  });
  return { res, html: await res.text() };
}

Deno.test(
  "disabling a user asks first; cancelling changes nothing, confirming does and says so",
  T,
  async () => {
    await using h = await Harness.create();
    const id = await h.user("newbie", "agent");
    const admin = await h.signIn("admin");
    const ask = await h.req(`/admin/users/${id}/disable`, {
      client: admin,
      form: { disabled: "1" },
    });
    assert.equal(ask.status, 200);
    const page = await ask.text();
    assert.match(page, /Disable newbie\? They are signed out/);
    assert.match(page, /type="hidden" name="disabled" value="1"/);
    assert.match(page, /type="hidden" name="confirm" value="yes"/);
    assert.match(page, /<a href="\/admin\/users">Cancel<\/a>/);
    assert.equal(await auditCount(h, "user.disable"), 0, "nothing done before confirmation");
    const row = () =>
      h.services.store.db.selectFrom("users").select("disabled").where("id", "=", id)
        .executeTakeFirstOrThrow();
    assert.equal((await row()).disabled, 0);

    const done = await h.req(`/admin/users/${id}/disable`, {
      client: admin,
      form: { disabled: "1", confirm: "yes" },
    });
    assert.equal(done.status, 303);
    assert.equal((await row()).disabled, 1);
    assert.equal(await auditCount(h, "user.disable"), 1);
    const first = await getWith(h, admin, "/admin/users", done.headers.get("Set-Cookie"));
    assert.match(first.html, /<p class="notice" role="status" id="flash">newbie is disabled.<\/p>/);
    assert.match(
      first.res.headers.get("Set-Cookie") ?? "",
      /selrec_flash=;/,
      "shown once: cleared",
    );
    const again = await getWith(h, admin, "/admin/users", null);
    assert.doesNotMatch(again.html, /id="flash"/);
    assert.match(again.html, /data-confirm="Disable admin\? /, "script-side confirmation too");
  },
);

Deno.test("deleting a recording asks first on a page that re-posts the reason", T, async () => {
  await using h = await Harness.create();
  await h.recording("r1");
  await h.user("carol", "compliance", { orgUnitId: h.orgRoot });
  const carol = await h.signIn("carol");
  const form = { reason_code: "customer-request", reason_text: "erasure 7" };
  const ask = await h.req("/recordings/r1/delete", { client: carol, form });
  assert.equal(ask.status, 200);
  const page = await ask.text();
  assert.match(page, /Delete recording r1\?/);
  assert.match(page, /name="reason_text" value="erasure 7"/);
  assert.match(page, /<a href="\/recordings\/r1">Cancel<\/a>/);
  const state = async () =>
    (await h.services.store.db.selectFrom("recordings").select("state").executeTakeFirstOrThrow())
      .state;
  assert.equal(await state(), "complete");
  const bad = await h.req("/recordings/r1/delete", { client: carol, form: { reason_code: "x" } });
  assert.equal(bad.status, 400, "a refused action is refused before it is asked");
  await bad.body?.cancel();
  const done = await h.req("/recordings/r1/delete", {
    client: carol,
    form: { ...form, confirm: "yes" },
  });
  assert.equal(done.status, 303);
  assert.equal(await state(), "deleted");
});

Deno.test(
  "the role grid saves every role in one post and audits only the changed ones",
  T,
  async () => {
    await using h = await Harness.create();
    const admin = await h.signIn("admin");
    const page = await (await h.req("/admin/roles", { client: admin })).text();
    assert.match(page, /aria-labelledby="perm-recording-search role-supervisor"/);
    const roles = await h.services.store.db.selectFrom("roles").select(["name", "description"])
      .execute();
    const grants = await h.services.store.db.selectFrom("role_permissions").selectAll().execute();
    const body = new URLSearchParams({ _csrf: admin.csrf });
    for (const r of roles) body.set(`description:${r.name}`, r.description);
    for (const g of grants) {
      if (!(g.role === "supervisor" && g.permission === "recording.export")) {
        body.append("grant", `${g.role}:${g.permission}`);
      }
    }
    body.append("grant", "agent:recording.play");
    const before = await auditCount(h, "role.update");
    const save = await h.web.request("http://selrec.test/admin/roles/_grid", {
      method: "POST",
      headers: {
        Cookie: `selrec_session=${admin.cookie}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body,
    });
    assert.equal(save.status, 303);
    assert.match(
      decodeURIComponent(save.headers.get("Set-Cookie") ?? ""),
      /Saved roles agent, supervisor\./,
    );
    const now = await h.services.store.db.selectFrom("role_permissions").selectAll().execute();
    const has = (role: string, p: string) => now.some((g) => g.role === role && g.permission === p);
    assert.ok(!has("supervisor", "recording.export"));
    assert.ok(has("agent", "recording.play"));
    assert.ok(has("supervisor", "recording.search"), "untouched grants stay");
    assert.equal(await auditCount(h, "role.update"), before + 2, "agent and supervisor only");

    body.delete("grant");
    body.append("grant", "admin:recording.search");
    const lockout = await h.req("/admin/roles/_grid", {
      client: admin,
      form: Object.fromEntries(body),
    });
    assert.equal(lockout.status, 409);
    assert.match(await lockout.text(), /role="alert">Not saved: the admin role keeps users.manage/);
    const bad = await h.req("/admin/roles/_grid", {
      client: admin,
      form: { ...Object.fromEntries(body), grant: "agent:root.all" },
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /grant: unknown permission in &quot;agent:root.all&quot;/);
    assert.equal(await auditCount(h, "role.update"), before + 2, "refused saves change nothing");
  },
);

Deno.test(
  "org units rename and move with their subtree; a cycle is refused and named",
  T,
  async () => {
    await using h = await Harness.create();
    const db = h.services.store.db;
    const sales = await addOrgUnit(db, "Sales", h.orgRoot);
    const team = await addOrgUnit(db, "Team A", sales.id);
    const support = await addOrgUnit(db, "Support", h.orgRoot);
    const admin = await h.signIn("admin");
    const cycle = await h.req(`/admin/org/${sales.id}/move`, {
      client: admin,
      form: { parent_id: String(team.id) },
    });
    assert.equal(cycle.status, 409);
    assert.match(
      await cycle.text(),
      /Not moved: Cannot move org unit &quot;Sales&quot; under &quot;Team A&quot;: &quot;Team A&quot; is inside &quot;Sales&quot;/,
    );
    assert.equal(await auditCount(h, "org.move"), 0);
    const move = await h.req(`/admin/org/${sales.id}/move`, {
      client: admin,
      form: { parent_id: String(support.id) },
    });
    assert.equal(move.status, 303);
    assert.match(
      decodeURIComponent(move.headers.get("Set-Cookie") ?? ""),
      /Unit Sales moved with 1 unit\(s\) below it under Support/,
    );
    const path = async (id: number) =>
      (await db.selectFrom("org_units").select("path").where("id", "=", id)
        .executeTakeFirstOrThrow()).path;
    assert.equal(await path(team.id), `/${h.orgRoot}/${support.id}/${sales.id}/${team.id}/`);
    const audit = await db.selectFrom("audit_events").select(["target_id", "details"])
      .where("action", "=", "org.move").executeTakeFirstOrThrow();
    assert.equal(audit.target_id, String(sales.id));
    assert.equal(JSON.parse(audit.details).toParentId, support.id);
    const rename = await h.req(`/admin/org/${team.id}/rename`, {
      client: admin,
      form: { name: "Team Alpha" },
    });
    assert.equal(rename.status, 303);
    assert.match(
      (await db.selectFrom("audit_events").select("details").where("action", "=", "org.rename")
        .executeTakeFirstOrThrow()).details,
      /"from":"Team A","to":"Team Alpha"/,
    );
  },
);

Deno.test(
  "a token without a scope or with an expiry out of bounds is refused, naming the field",
  T,
  async () => {
    await using h = await Harness.create();
    const admin = await h.signIn("admin");
    const cases: [Record<string, string>, RegExp][] = [
      [{ name: "t1", expires_days: "30" }, /Not created: scopes: choose at least one/],
      [{ name: "t2", scopes: "metrics", expires_days: "400" }, /expires: at most 366 days/],
      [{ name: "t3", scopes: "metrics", expires_days: "0" }, /expires: at least 1 day/],
      [{ name: "t4", scopes: "metrics" }, /Expires in: a whole number of days, 1-366/],
    ];
    for (const [form, want] of cases) {
      const res = await h.req("/admin/tokens", { client: admin, form });
      assert.equal(res.status, 400, form.name);
      const html = await res.text();
      assert.match(html, want, form.name);
      assert.match(html, new RegExp(`name="name"[^>]*value="${form.name}"`), "the form keeps it");
    }
    assert.equal(
      (await h.services.store.db.selectFrom("api_tokens").select("id").execute()).length,
      0,
    );
  },
);

Deno.test(
  "error pages keep the navigation when signed in; the frame has a skip link and aria-current",
  T,
  async () => {
    await using h = await Harness.create();
    const admin = await h.signIn("admin");
    const html = { Accept: "text/html" };
    const missing = await h.req("/no/such/page", { client: admin, headers: html });
    assert.equal(missing.status, 404);
    const page = await missing.text();
    assert.match(page, /<nav aria-label="Main">/);
    assert.match(page, /Not found \(404\)/);
    const anon = await (await h.req("/no/such/page", { headers: html })).text();
    assert.doesNotMatch(anon, /<nav/);
    assert.match(anon, /href="\/sign-in"/);
    const users = await (await h.req("/admin/users", { client: admin })).text();
    assert.match(users, /<a href="#main" class="skip-link">/);
    assert.match(users, /href="\/admin\/users" aria-current="page">Users<\/a>/);
    assert.match(users, /href="\/admin\/roles" >Roles<\/a>/);
    assert.match(users, /src="\/static\/confirm.js" defer>/);
  },
);

Deno.test("the audit page shows details as a key/value list, not JSON", T, async () => {
  await using h = await Harness.create();
  await h.services.audit.append({
    actor: { type: "user", id: 1, name: "admin" },
    action: "role.update",
    details: { before: ["a", "b"], after: ["a"], description: "Team leads", n: 1 },
  });
  const admin = await h.signIn("admin");
  const page = await (await h.req("/audit?action=role.update", { client: admin })).text();
  assert.match(page, /<summary>4 fields: after, before…<\/summary>/);
  assert.match(page, /before<\/dt><dd key="dbefore">a, b<\/dd>/);
  assert.doesNotMatch(page, /\{&quot;before/);
  assert.match(page, /class="table-scroll" tabindex="0" role="region" aria-label="Audit entries"/);
});

Deno.test(
  "revoking a token and releasing a legal hold ask first; placing a hold does not",
  T,
  async () => {
    await using h = await Harness.create();
    await h.recording("r1");
    const admin = await h.signIn("admin");
    const made = await h.req("/admin/tokens", {
      client: admin,
      form: { name: "prom", scopes: "metrics", expires_days: "30" },
    });
    assert.equal(made.status, 200);
    await made.body?.cancel();
    const row = () =>
      h.services.store.db.selectFrom("api_tokens").select(["id", "revoked_at"])
        .executeTakeFirstOrThrow();
    const { id } = await row();
    const ask = await h.req(`/admin/tokens/${id}/revoke`, { client: admin, form: {} });
    assert.equal(ask.status, 200);
    assert.match(await ask.text(), /Revoke token prom\? Whatever uses it stops working/);
    assert.equal((await row()).revoked_at, null, "not revoked before confirmation");
    const done = await h.req(`/admin/tokens/${id}/revoke`, {
      client: admin,
      form: { confirm: "yes" },
    });
    assert.equal(done.status, 303);
    assert.notEqual((await row()).revoked_at, null);

    const reason = { reason_code: "legal-request", reason_text: "case 1" };
    const hold = () =>
      h.services.store.db.selectFrom("recordings").select("legal_hold").executeTakeFirstOrThrow();
    const on = await h.req("/recordings/r1/hold", { client: admin, form: { ...reason, on: "1" } });
    assert.equal(on.status, 303, "placing a hold is not destructive: no question");
    assert.equal((await hold()).legal_hold, 1);
    const askOff = await h.req("/recordings/r1/hold", {
      client: admin,
      form: { ...reason, on: "0" },
    });
    assert.equal(askOff.status, 200);
    assert.match(await askOff.text(), /Release the legal hold on recording r1\?/);
    assert.equal((await hold()).legal_hold, 1, "still held until confirmed");
    const off = await h.req("/recordings/r1/hold", {
      client: admin,
      form: { ...reason, on: "0", confirm: "yes" },
    });
    assert.equal(off.status, 303);
    assert.equal((await hold()).legal_hold, 0);
    assert.match(decodeURIComponent(off.headers.get("Set-Cookie") ?? ""), /Legal hold released\./);
  },
);
