import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../db.ts";
import { filterWhere, type RecordingFilter } from "./recording_filter.ts";
import { planPrefixMatches } from "./prefix_plan.ts";
import { seedUnitsAndAgents } from "./prefix_test_util.ts";
import { searchRecordings } from "./recordings.ts";
import {
  type RecordingViewer,
  recordingVisibleSearchWhere,
  recordingVisibleWhere,
  SCOPE_LIST_MAX,
} from "./recording_access.ts";

/**
 * 600 recordings of agents ag1..ag60 (odd ones in unit /1/2/, even ones in /1/3/); every
 * tenth call was transferred to a second agent (recording_agents, as a transfer adds it).
 */
function seed(store: Store): void {
  const raw = store.raw;
  seedUnitsAndAgents(store);
  for (let i = 0; i < 600; i++) {
    const id = `r${String(i).padStart(3, "0")}`;
    const started = new Date(Date.UTC(2026, 0, 1) + i * 7919 % 600 * 1000).toISOString();
    raw.prepare("INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', ?)")
      .run(id, id, started);
    raw.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      agent_id, ani, dnis, created_at) VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, ?, ?, ?)`,
    ).run(id, id, started, `ag${1 + i % 60}`, `+1555${i % 37}`, `8${i % 11}`, started);
    if (i % 10 === 0) {
      raw.prepare(
        "INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES (?, ?, 60000)",
      ).run(id, `ag${1 + (i * 7 + 3) % 60}`);
    }
  }
}

async function withSeeded(fn: (store: Store) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    seed(store);
    await fn(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A supervisor of unit /1/2/ (odd agents) in every partition check off. */
const SUPERVISOR: RecordingViewer = {
  partitions: null,
  hierarchy: { agentId: null, orgPath: "/1/2/", orgRoot: false },
};

/** Every page of a search, newest first. */
async function searchIds(store: Store, filter: RecordingFilter, cap?: number) {
  const access = await recordingVisibleSearchWhere(store.db, SUPERVISOR);
  const planned = await planPrefixMatches(store.db, filter, {
    scopeAgents: access.scopeAgents,
    cap,
  });
  const page = await searchRecordings(store.db, planned, access, { limit: 500 });
  return { planned, ids: page.rows.map((r) => r.id) };
}

/** The same search by the reference rule, with no plan: a walk testing every row. */
async function referenceIds(store: Store, filter: RecordingFilter): Promise<string[]> {
  const rows = await store.db.selectFrom("recordings").select("id")
    .where(filterWhere(filter)).where(recordingVisibleWhere(SUPERVISOR))
    .orderBy("started_at", "desc").orderBy("id", "desc").execute();
  return rows.map((r) => r.id);
}

Deno.test("a supervisor's agent prefix is resolved within their scope, any case", async () => {
  await withSeeded(async (store) => {
    for (const agentId of ["AG1", "ag3", "Ag5", "ag"]) {
      const { planned, ids } = await searchIds(store, { agentId });
      const mine = planned.prefixPlan!.scopedAgents!;
      assert.ok(mine.length > 0 && mine.every((id) => /^ag\d+$/.test(id)), agentId);
      assert.ok(mine.every((id) => Number(id.slice(2)) % 2 === 1), `${agentId}: only odd agents`);
      assert.ok(mine.every((id) => id.startsWith(agentId.toLowerCase())), agentId);
      assert.deepEqual(ids, await referenceIds(store, { agentId }), agentId);
      assert.ok(ids.length > 0, agentId);
    }
  });
});

Deno.test("an agent prefix plan gives the same rows through the index and by walking", async () => {
  await withSeeded(async (store) => {
    for (const agentId of ["ag1", "AG2", "ag4"]) {
      const indexed = await searchIds(store, { agentId });
      const walked = await searchIds(store, { agentId }, 3);
      assert.equal(indexed.planned.prefixPlan!.agent, "index", agentId);
      assert.equal(walked.planned.prefixPlan!.agent, "scan", agentId);
      assert.deepEqual(indexed.ids, walked.ids, agentId);
      assert.deepEqual(indexed.ids, await referenceIds(store, { agentId }), agentId);
    }
  });
});

Deno.test("a transferred call matches through an agent outside the scope when it is seen through one inside", async () => {
  await withSeeded(async (store) => {
    // r010: ag11 (in scope) then ag14 (outside: even agents are), and no agent in scope
    // starts with ag14, so the prefix reaches this call only through the transfer.
    const { planned, ids } = await searchIds(store, { agentId: "AG14" });
    assert.deepEqual(planned.prefixPlan!.scopedAgents, []);
    assert.equal(planned.prefixPlan!.agent, "index");
    assert.ok(ids.includes("r010"), ids.join(","));
    assert.deepEqual(ids, await referenceIds(store, { agentId: "AG14" }));
  });
});

Deno.test("an agent prefix matching nothing in scope returns no rows without reading recordings", async () => {
  await withSeeded(async (store) => {
    // ag60 is outside the scope, and no transfer brought it onto a call.
    const { planned, ids } = await searchIds(store, { agentId: "ag60" });
    assert.equal(planned.prefixPlan!.agent, "none");
    assert.deepEqual(ids, []);
    // The WHERE is a constant false, which SQLite tests once before opening the loop.
    const q = store.db.selectFrom("recordings").select("id").where(filterWhere(planned)).compile();
    assert.match(q.sql, /0 = 1/);
    assert.doesNotMatch(q.sql, /recording_agents/);
  });
});

Deno.test("a supervisor's number prefix runs through the scope's agent indexes when the number alone is broad", async () => {
  await withSeeded(async (store) => {
    // 600 rows match 1555 and 8; the scope holds about 360 of them (its agents' and the
    // transferred calls'), under the cap of 400.
    for (const number of ["1555", "8"]) {
      const scoped = await searchIds(store, { number }, 400);
      const walked = await searchIds(store, { number }, 3);
      assert.equal(scoped.planned.prefixPlan!.number, "scope", number);
      assert.equal(walked.planned.prefixPlan!.number, "scan", number);
      assert.deepEqual(scoped.ids, walked.ids, number);
      assert.deepEqual(scoped.ids, await referenceIds(store, { number }), number);
    }
    const narrow = await searchIds(store, { number: "+15551" }, 400);
    assert.equal(narrow.planned.prefixPlan!.number, "index");
    assert.deepEqual(narrow.ids, await referenceIds(store, { number: "+15551" }));
    const { planned } = await searchIds(store, { number: "1555" }, 400);
    const q = store.db.selectFrom("recordings").selectAll().where(filterWhere(planned))
      .orderBy("started_at", "desc").limit(50).compile();
    const plan = store.raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .all(...(q.parameters as never[])).map((r) => String(r.detail)).join(" | ");
    assert.match(plan, /INDEX recordings_agent_ani \(agent_id=\? AND ani>\? AND ani<\?\)/);
    assert.match(plan, /INDEX recordings_multi_ani \(ani>\? AND ani<\?\)/);
    assert.doesNotMatch(plan, /SCAN recordings/);
  });
});

Deno.test("migration 0025 flags every agent row of a multi-agent recording, whoever writes", async () => {
  await withSeeded((store) => {
    const flags = (id: string) =>
      store.raw.prepare(
        "SELECT agent_id, multi FROM recording_agents WHERE recording_id = ? ORDER BY joined_ms",
      ).all(id).map((r) => ({ ...r }));
    assert.deepEqual(flags("r000"), [{ agent_id: "ag1", multi: 1 }, { agent_id: "ag4", multi: 1 }]);
    assert.deepEqual(flags("r001"), [{ agent_id: "ag2", multi: 0 }]);
    // A third agent on an already-transferred call, and the first agent coming back.
    store.raw.exec(`INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES
      ('r000', 'ag9', 90000), ('r000', 'ag1', 120000)`);
    assert.ok(flags("r000").every((r) => r.multi === 1));
    return Promise.resolve();
  });
});

Deno.test("a scope longer than SCOPE_LIST_MAX is searched without its list, with the same rows", async () => {
  await withSeeded(async (store) => {
    const access = await recordingVisibleSearchWhere(store.db, SUPERVISOR);
    assert.equal(access.scopeAgents?.length, 30);
    for (let a = 61; a <= SCOPE_LIST_MAX + 61; a++) {
      store.raw.prepare("INSERT INTO agents (agent_id, org_unit_id) VALUES (?, 2)").run(`ag${a}`);
    }
    const wide = await recordingVisibleSearchWhere(store.db, SUPERVISOR);
    assert.equal(wide.scopeAgents, undefined);
    for (const filter of [{ agentId: "AG1" }, { number: "1555" }]) {
      const page = await searchRecordings(store.db, filter, wide, { limit: 500 });
      assert.deepEqual(page.rows.map((r) => r.id), await referenceIds(store, filter));
    }
  });
});
