/**
 * Reports count only what the reader may see, by the search access rule: two supervisors
 * in different subtrees and partitions get different, hand-counted figures; the admin
 * (partitions `*`, root unit) gets everything.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";
import { addOrgUnit, upsertAgent } from "../../src/store/queries/org_units.ts";
import { insertDecision } from "../../src/store/queries/decisions.ts";
import { principalForUser } from "../../src/auth/principal.ts";
import { findReport } from "../../src/reports/catalog.ts";
import { reportAccess } from "../../src/reports/scope.ts";
import type { ReportParams } from "../../src/reports/params.ts";

const T = { sanitizeResources: true, sanitizeOps: true };
const RANGE = { from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z" };

/**
 * Root ── unit A (agent ag-a; supA, partitions p1; compA, partitions p1)
 *      └─ unit B (agent ag-b; supB, partitions p1,p2)
 * Recordings: r1 ag-a/p1, r2 ag-a/p2, r3 ag-b/p1, r4 ag-b/p2, r5 ag-a/p1, r6 ag-x/p1
 * (ag-x is in no unit: only the root sees it). Visible: supA r1 r5; supB r3 r4; admin all.
 * Decisions (no recordings needed): ag-a/p1 matched, ag-a/p1 not-sampled, ag-b/p2
 * matched, ag-x/p1 not-sampled, ag-a/p2+p3 matched (no reader shares a partition but
 * the admin), ag-b/p1+p3 not-sampled (supB shares p1). Counted: supA 2 (1 recorded),
 * supB 2 (1), admin 6 (3).
 */
async function seed(h: Harness) {
  const db = h.services.store.db;
  const a = await addOrgUnit(db, "A", h.orgRoot), b = await addOrgUnit(db, "B", h.orgRoot);
  await upsertAgent(db, "ag-a", "Agent A", a.id);
  await upsertAgent(db, "ag-b", "Agent B", b.id);
  await h.user("supA", "supervisor", { orgUnitId: a.id, partitions: ["p1"] });
  await h.user("supB", "supervisor", { orgUnitId: b.id, partitions: ["p1", "p2"] });
  await h.user("compA", "compliance", { orgUnitId: a.id, partitions: ["p1"] });
  const recs: [string, string, string][] = [
    ["r1", "ag-a", "p1"],
    ["r2", "ag-a", "p2"],
    ["r3", "ag-b", "p1"],
    ["r4", "ag-b", "p2"],
    ["r5", "ag-a", "p1"],
    ["r6", "ag-x", "p1"],
  ];
  for (const [id, agentId, p] of recs) {
    await h.recording(id, { agentId, partitions: [p], file: false, seconds: 1 });
  }
  const decisions: [string, string[], string][] = [
    ["ag-a", ["p1"], "matched"],
    ["ag-a", ["p1"], "not-sampled"],
    ["ag-b", ["p2"], "matched"],
    ["ag-x", ["p1"], "not-sampled"],
    ["ag-a", ["p2", "p3"], "matched"],
    ["ag-b", ["p1", "p3"], "not-sampled"],
  ];
  for (const [i, [agentId, partitions, outcome]] of decisions.entries()) {
    await db.insertInto("calls").values({
      id: `dc${i}`,
      call_key: `dk${i}`,
      source: "siprec",
      started_at: "2026-03-01T08:00:00.000Z",
      agent_id: agentId,
      metadata: "{}",
    } as never).execute();
    await insertDecision(db, {
      callId: `dc${i}`,
      callKey: `dk${i}`,
      at: new Date("2026-03-01T08:00:00.000Z"),
      origin: "siprec",
      record: outcome === "matched",
      ruleId: "sample",
      mode: "destination",
      partitions,
      retention: null,
      trace: { rules: [{ id: "sample", outcome, sample: { percent: 50 } }] },
      rulesetVersion: "v1",
    });
  }
}

async function run(h: Harness, username: string, report: string) {
  const db = h.services.store.db;
  const user = await db.selectFrom("users").selectAll().where("username", "=", username)
    .executeTakeFirstOrThrow();
  const params: ReportParams = {
    ...RANGE,
    access: await reportAccess(db, await principalForUser(db, user), h.services.config.auth.scope),
  };
  return (await findReport(report)!.run(db, params, { now: new Date(RANGE.to) })).rows;
}

Deno.test({
  ...T,
  name: "reports count only the recordings and calls each reader may see",
  async fn() {
    await using h = await Harness.create();
    await seed(h);
    const byAgent = async (u: string) =>
      Object.fromEntries(
        (await run(h, u, "recordings-by-agent")).map((r) => [r.key, r.recordings]),
      );
    assert.deepEqual(await byAgent("supA"), { "ag-a": 2 });
    assert.deepEqual(await byAgent("supB"), { "ag-b": 2 });
    assert.deepEqual(await byAgent("admin"), { "ag-a": 3, "ag-b": 2, "ag-x": 1 });

    const perDay = async (u: string) => (await run(h, u, "recordings-by-day"))[0].recordings;
    assert.deepEqual([await perDay("supA"), await perDay("supB"), await perDay("admin")], [
      2,
      2,
      6,
    ]);

    const ratio = async (u: string) => {
      const [r] = await run(h, u, "selective-ratio");
      return r ? [r.evaluated, r.recorded] : [];
    };
    assert.deepEqual(await ratio("supA"), [2, 1]);
    assert.deepEqual(await ratio("supB"), [2, 1]);
    assert.deepEqual(await ratio("admin"), [6, 3]);

    const used = async (u: string) => (await run(h, u, "storage")).at(-1)!.addedBytes;
    const size = (await h.services.store.db.selectFrom("recordings").select("size_bytes")
      .where("id", "=", "r1").executeTakeFirstOrThrow()).size_bytes!;
    assert.deepEqual([await used("supA"), await used("admin")], [2 * size, 6 * size]);
  },
});

Deno.test({
  ...T,
  name: "GET /reports/:id/csv is scoped to the reader and audited as report.export",
  async fn() {
    await using h = await Harness.create();
    await seed(h);
    const csv = async (u: string) => {
      const res = await h.req("/reports/recordings-by-agent/csv?from=2026-03-01&to=2026-03-01", {
        client: await h.signIn(u),
      });
      assert.equal(res.status, 200);
      return (await res.text()).trim().split(/\r?\n/).slice(1).map((l) => l.split(",").slice(0, 2));
    };
    assert.deepEqual(await csv("compA"), [["ag-a", "2"]]);
    assert.deepEqual(await csv("admin"), [["ag-a", "3"], ["ag-b", "2"], ["ag-x", "1"]]);
    const rows = await h.services.store.db.selectFrom("audit_events").selectAll()
      .where("action", "=", "report.export").orderBy("seq").execute();
    assert.deepEqual(rows.map((r) => [r.actor_name, JSON.parse(r.details).rows]), [
      ["compA", 1],
      ["admin", 3],
    ]);
  },
});
