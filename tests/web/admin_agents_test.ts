/**
 * /admin/agents: the agent directory list (paged, by unit subtree and text), moving an
 * agent after a confirmation (audited, and the hierarchy follows at once), the unknown
 * agents page, and who may use it.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { runAgentImport } from "../../src/agents/agent_import.ts";
import { findAccessibleRecording } from "../../src/auth/access.ts";
import { principalForUser } from "../../src/auth/principal.ts";
import { findUser } from "../../src/store/queries/users.ts";

async function seed(h: Harness) {
  const db = h.services.store.db;
  const sales = await addOrgUnit(db, "Sales", h.orgRoot);
  const care = await addOrgUnit(db, "Care", h.orgRoot);
  const agents = Array.from({ length: 120 }, (_, i) => ({
    agentId: `ag${String(i).padStart(3, "0")}`,
    name: `Agent ${String(i).padStart(3, "0")}`,
    extension: null,
    dn: null,
    orgUnit: i % 2 === 0 ? "Org/Sales" : "Org/Care",
    where: `line ${i + 2}`,
  }));
  await runAgentImport(db, h.services.audit, {
    source: "csv",
    agents,
    origin: "test",
    dryRun: false,
    createUnits: false,
    actor: { type: "cli", name: "test" },
    now: () => h.clock,
  });
  return { sales, care };
}

Deno.test("admins page and filter the agent directory", async () => {
  await using h = await Harness.create();
  const { sales } = await seed(h);
  const admin = await h.signIn("admin");
  const first = await (await h.req("/admin/agents", { client: admin })).text();
  assert.match(first, /120 agents · page 1 of 3/);
  assert.equal([...first.matchAll(/<code>ag\d{3}<\/code>/g)].length, 50);
  assert.match(first, /href="\/admin\/agents\/unknown"/);
  assert.match(first, /href="\/admin\/agents\?page=2" rel="next"/);
  const bySales = await (await h.req(`/admin/agents?unit=${sales.id}&page=2`, { client: admin }))
    .text();
  assert.match(bySales, /60 agents · page 2 of 2/);
  assert.doesNotMatch(bySales, /<code>ag\d\d[13579]<\/code>/, "only Sales (even) agents");
  const byName = await (await h.req("/admin/agents?q=agent%20011", { client: admin })).text();
  assert.deepEqual([...byName.matchAll(/<code>(ag\d{3})<\/code>/g)].map((m) => m[1]), ["ag011"]);
  assert.equal((await h.req("/admin/agents?unit=999", { client: admin })).status, 400);
});

Deno.test("moving an agent asks first, is audited, and the supervisor scope follows", async () => {
  await using h = await Harness.create();
  const { sales, care } = await seed(h);
  const db = h.services.store.db;
  await h.user("sue", "supervisor", { orgUnitId: sales.id });
  await h.recording("rec-1", { agentId: "ag001" }); // ag001 is in Care
  const scope = { partitions: true, hierarchy: true };
  const sueSees = async () => {
    const p = await principalForUser(db, (await findUser(db, "sue"))!);
    return (await findAccessibleRecording(db, p, "rec-1", "recording.play", scope)) !== undefined;
  };
  assert.equal(await sueSees(), false);

  const admin = await h.signIn("admin");
  const confirm = await h.req(`/admin/agents/ag001/move?to=${sales.id}`, { client: admin });
  assert.equal(confirm.status, 200);
  const text = await confirm.text();
  assert.match(text, /from <strong>Org\/Care<\/strong> to <strong>Org\/Sales<\/strong>/);
  assert.match(text, /name="confirm" value="yes"/);
  assert.equal(await sueSees(), false, "the confirmation page changes nothing");

  const unconfirmed = await h.req("/admin/agents/ag001/move", {
    client: admin,
    form: { to: String(sales.id) },
  });
  assert.equal(unconfirmed.status, 400);
  const moved = await h.req("/admin/agents/ag001/move", {
    client: admin,
    form: { to: String(sales.id), confirm: "yes" },
  });
  assert.equal(moved.status, 303);
  assert.equal(moved.headers.get("Location"), "/admin/agents?moved=ag001");
  assert.equal(await sueSees(), true);
  const audit = await db.selectFrom("audit_events").selectAll().where("action", "=", "agent.move")
    .execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0].target_id, "ag001");
  assert.equal(audit[0].actor_name, "admin");
  assert.deepEqual(JSON.parse(audit[0].details), {
    from: { id: care.id, unit: "Org/Care" },
    to: { id: sales.id, unit: "Org/Sales" },
    source: "csv",
  });
  const missing = await h.req("/admin/agents/nobody/move", {
    client: admin,
    form: { to: String(sales.id), confirm: "yes" },
  });
  assert.equal(missing.status, 404);
  const noCsrf = await h.req("/admin/agents/ag001/move", {
    client: admin,
    form: { to: String(care.id), confirm: "yes" },
    noCsrf: true,
  });
  assert.equal(noCsrf.status, 403);
  assert.equal(await sueSees(), true);
});

Deno.test("the unknown agents page lists agent ids on recordings the directory lacks", async () => {
  await using h = await Harness.create();
  await seed(h);
  await h.recording("rec-known", { agentId: "ag002" });
  await h.recording("rec-ghost", { agentId: "ghost-7" });
  const admin = await h.signIn("admin");
  const page = await (await h.req("/admin/agents/unknown", { client: admin })).text();
  assert.match(page, /<code>ghost-7<\/code>/);
  assert.match(page, /href="\/recordings\?agent=ghost-7">1</);
  assert.doesNotMatch(page, /<code>ag002<\/code>/);
});

Deno.test("only users.manage reaches the agent directory pages", async () => {
  await using h = await Harness.create();
  const { sales } = await seed(h);
  await h.user("sue", "supervisor", { orgUnitId: sales.id });
  const sue = await h.signIn("sue");
  for (const path of ["/admin/agents", "/admin/agents/unknown", "/admin/agents/ag001/move"]) {
    const res = await h.req(path, { client: sue });
    assert.equal(res.status, 403, path);
  }
  const post = await h.req("/admin/agents/ag001/move", {
    client: sue,
    form: { to: String(sales.id), confirm: "yes" },
  });
  assert.equal(post.status, 403);
  const anonymous = await h.req("/admin/agents");
  assert.ok([302, 303, 401].includes(anonymous.status), String(anonymous.status));
});
