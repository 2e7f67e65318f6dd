/** /admin/roles: roles are editable, audited, and the admin role cannot lose users.manage. */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("admins edit a role's permissions and add a role; each change is one audit row", async () => {
  await using h = await Harness.create();
  const db = h.services.store.db;
  const admin = await h.signIn("admin");
  const page = await (await h.req("/admin/roles", { client: admin })).text();
  for (const role of ["admin", "supervisor", "compliance", "agent"]) {
    assert.match(page, new RegExp(`>${role} `));
  }
  const before = (await db.selectFrom("audit_events").select("seq").execute()).length;
  const save = await h.req("/admin/roles/supervisor", {
    client: admin,
    form: { description: "Team leads", permissions: "recording.search" },
  });
  assert.equal(save.status, 303);
  const grants = await db.selectFrom("role_permissions").select("permission").where(
    "role",
    "=",
    "supervisor",
  )
    .execute();
  assert.deepEqual(grants.map((g) => g.permission), ["recording.search"]);
  const rows = await db.selectFrom("audit_events").selectAll().where("seq", ">", before).execute();
  assert.equal(rows.filter((r) => r.action === "role.update").length, 1);
  const details = JSON.parse(rows.find((r) => r.action === "role.update")!.details);
  assert.ok(details.before.includes("recording.play"), "the old grants are in the audit row");
  assert.deepEqual(details.after, ["recording.search"]);

  const add = await h.req("/admin/roles", {
    client: admin,
    form: { name: "qa-lead", description: "QA" },
  });
  assert.equal(add.status, 303);
  assert.ok(
    await db.selectFrom("roles").select("name").where("name", "=", "qa-lead").executeTakeFirst(),
  );
  const dup = await h.req("/admin/roles", {
    client: admin,
    form: { name: "qa-lead", description: "QA" },
  });
  assert.equal(dup.status, 409);
});

Deno.test("the admin role keeps users.manage, bad permissions are 400, non-admins are refused", async () => {
  await using h = await Harness.create();
  const admin = await h.signIn("admin");
  const lockout = await h.req("/admin/roles/admin", {
    client: admin,
    form: { description: "x", permissions: "recording.search" },
  });
  assert.equal(lockout.status, 409);
  const bad = await h.req("/admin/roles/agent", {
    client: admin,
    form: { description: "x", permissions: "root.everything" },
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /permissions: unknown permission/);
  await h.user("sup", "supervisor");
  const sup = await h.signIn("sup");
  const refused = await h.req("/admin/roles/agent", {
    client: sup,
    form: { description: "x", permissions: "pause.own" },
  });
  assert.ok(refused.status === 403 || refused.status === 404, `supervisor got ${refused.status}`);
});
