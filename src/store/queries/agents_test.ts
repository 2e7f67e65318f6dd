import assert from "node:assert/strict";
import { type CompiledQuery, sql } from "kysely";
import { migrate, openStore, type Store } from "../db.ts";
import {
  applyAgentChanges,
  listAgents,
  loadDirectory,
  moveAgent,
  unknownAgents,
} from "./agents.ts";
import { recordingVisibleSearchWhere, recordingVisibleWhere } from "./recording_access.ts";
import { diffAgents } from "../../agents/agent_diff.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-agents-q-" });
  try {
    await using store = openStore(`${dir}/a.db`);
    await migrate(store.db);
    store.raw.exec(`INSERT INTO org_units (id, name, parent_id, path) VALUES
      (1,'Org',NULL,'/1/'),(2,'Sales',1,'/1/2/'),(3,'Care',1,'/1/3/'),(4,'Team A',2,'/1/2/4/')`);
    store.raw.exec(
      "INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/t')",
    );
    await fn(store);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function addCall(store: Store, id: string, agent: string | null, recorded: boolean, at: string) {
  store.raw.prepare(
    "INSERT INTO calls (id, call_key, source, started_at, agent_id) VALUES (?, ?, 'siprec', ?, ?)",
  ).run(id, id, at, agent);
  if (!recorded) return;
  store.raw.prepare(
    `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      agent_id, created_at) VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, ?)`,
  ).run(id, id, at, agent, at);
}

function plan(store: Store, q: CompiledQuery): string {
  const rows = store.raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
    .all(...(q.parameters as (string | number | null)[])) as { detail: string }[];
  return rows.map((r) => r.detail).join("\n");
}

const agent = (id: string, unit: number | null, name = `Agent ${id}`) => ({
  agentId: id,
  name,
  extension: null,
  dn: null,
  orgUnitId: unit,
});

Deno.test(
  "applyAgentChanges() writes a plan; listAgents() pages by unit subtree and text",
  SAN,
  async () => {
    await withStore(async (store) => {
      const at = "2026-12-01T00:00:00.000Z";
      const first = [
        agent("a1", 2, "Ann"),
        agent("a2", 4, "Bob"),
        agent("a3", 3, "Cy"),
        agent("a_%", 4, "Odd"),
      ];
      await applyAgentChanges(store.db, diffAgents([], first, "csv"), "csv", at);
      const second = [agent("a1", 3, "Ann"), agent("a2", 4, "Bobby"), agent("a_%", 4, "Odd")];
      const changes = diffAgents(await loadDirectory(store.db), second, "csv");
      await applyAgentChanges(store.db, changes, "csv", "2026-12-02T00:00:00.000Z");
      const rows = await loadDirectory(store.db);
      assert.deepEqual(
        rows.map((r) => [r.agentId, r.name, r.orgUnitId, r.removed, r.updatedAt.slice(0, 10)]),
        [
          ["a1", "Ann", 3, false, "2026-12-02"],
          ["a2", "Bobby", 4, false, "2026-12-02"],
          ["a3", "Cy", 3, true, "2026-12-02"],
          ["a_%", "Odd", 4, false, "2026-12-01"],
        ],
      );
      const sales = await listAgents(store.db, { unitPath: "/1/2/", offset: 0, limit: 10 });
      assert.deepEqual(sales.agents.map((a) => a.agentId), ["a2", "a_%"]);
      assert.equal(sales.total, 2);
      const page2 = await listAgents(store.db, { unitPath: "/1/", offset: 1, limit: 1 });
      assert.deepEqual([page2.total, page2.agents.map((a) => a.agentId)], [3, ["a2"]]);
      const withRemoved = await listAgents(store.db, {
        includeRemoved: true,
        offset: 0,
        limit: 10,
      });
      assert.equal(withRemoved.total, 4);
      // LIKE wildcards in the text are matched literally.
      const odd = await listAgents(store.db, { text: "_%", offset: 0, limit: 10 });
      assert.deepEqual(odd.agents.map((a) => a.agentId), ["a_%"]);
      const byName = await listAgents(store.db, { text: "bob", offset: 0, limit: 10 });
      assert.deepEqual(byName.agents.map((a) => a.agentId), ["a2"]);
      const before = await moveAgent(store.db, "a2", 3, "2026-12-03T00:00:00.000Z");
      assert.equal(before?.orgUnitId, 4);
      assert.equal(await moveAgent(store.db, "nobody", 3, at), undefined);
    });
  },
);

Deno.test(
  "unknownAgents() lists agent ids on calls and recordings the directory lacks, by index",
  SAN,
  async () => {
    await withStore(async (store) => {
      await applyAgentChanges(store.db, diffAgents([], [agent("known", 2)], "csv"), "csv", "t");
      addCall(store, "c1", "known", true, "2026-12-01T10:00:00Z");
      addCall(store, "c2", "ghost", false, "2026-12-01T11:00:00Z");
      addCall(store, "c3", "ghost", true, "2026-12-01T12:00:00Z");
      addCall(store, "c4", "zed", true, "2026-12-01T09:00:00Z");
      addCall(store, "c5", null, true, "2026-12-01T09:00:00Z");
      addCall(store, "c6", "", false, "2026-12-01T09:00:00Z");
      // A transfer brought "late" onto c1: it is on a recording but on no call row.
      store.raw.exec(
        "INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES ('c1', 'late', 5)",
      );
      store.raw.exec(`INSERT INTO users (username, password_hash, role, agent_id, created_at,
      updated_at) VALUES ('zuser', 'x', 'agent', 'zed', 't', 't')`);
      const unknown = await unknownAgents(store.db, 10);
      assert.deepEqual(unknown.map((u) => ({ ...u })), [
        {
          agentId: "ghost",
          calls: 2,
          recordings: 1,
          lastSeen: "2026-12-01T12:00:00Z",
          username: null,
        },
        {
          agentId: "zed",
          calls: 1,
          recordings: 1,
          lastSeen: "2026-12-01T09:00:00Z",
          username: "zuser",
        },
        { agentId: "late", calls: 0, recordings: 1, lastSeen: null, username: null },
      ]);
      assert.equal((await unknownAgents(store.db, 1)).length, 1);
      // Importing an agent takes it off the list at once.
      await applyAgentChanges(store.db, diffAgents([], [agent("ghost", 3)], "ldap"), "ldap", "t");
      assert.deepEqual((await unknownAgents(store.db, 10)).map((u) => u.agentId), ["zed", "late"]);
      // The distinct-id walk seeks the agent indexes; it never scans calls or recordings.
      const walk = sql`SELECT (SELECT min(agent_id) FROM calls WHERE agent_id > ${"a"}) AS c,
      (SELECT min(agent_id) FROM recording_agents WHERE agent_id > ${"a"}) AS r`.compile(store.db);
      const p = plan(store, walk);
      assert.match(p, /calls USING COVERING INDEX calls_agent/);
      assert.match(p, /recording_agents USING COVERING INDEX recording_agents_agent/);
      assert.doesNotMatch(p, /SCAN (calls|recording_agents)\b(?! USING)/);
    });
  },
);

Deno.test(
  "the supervisor scope query resolves directory agents once and walks the date index",
  SAN,
  async () => {
    await withStore(async (store) => {
      const agents = Array.from({ length: 1000 }, (_, i) => agent(`ag${i}`, [2, 3, 4][i % 3]));
      await applyAgentChanges(store.db, diffAgents([], agents, "csv"), "csv", "t");
      for (let i = 0; i < 120; i++) {
        addCall(
          store,
          `r${i}`,
          `ag${i % 40}`,
          true,
          `2026-12-01T10:${String(i % 60).padStart(2, "0")}:00Z`,
        );
      }
      store.raw.exec("ANALYZE");
      const viewer = {
        partitions: null,
        hierarchy: { agentId: null, orgPath: "/1/2/", orgRoot: false },
      };
      const where = await recordingVisibleSearchWhere(store.db, viewer);
      const page = store.db.selectFrom("recordings").select(["id", "agent_id"]).where(where)
        .orderBy("started_at", "desc").orderBy("id", "desc").limit(50);
      const p = plan(store, page.compile());
      assert.match(p, /recordings USING (COVERING )?INDEX recordings_started/, p);
      assert.doesNotMatch(p, /USE TEMP B-TREE FOR ORDER BY/, p);
      assert.doesNotMatch(p, /SCAN agents|SCAN org_units/, p);
      // Sales (/1/2/) holds units 2 and 4: agents i % 3 ∈ {0, 2}, none of Care (1).
      const rows = await page.execute();
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => Number(r.agent_id!.slice(2)) % 3 !== 1), "only Sales agents");
      // The one-recording form looks each agent up by the directory's primary key.
      const one = store.db.selectFrom("recordings").select("id").where("id", "=", "r1")
        .where(recordingVisibleWhere(viewer));
      const onePlan = plan(store, one.compile());
      assert.match(onePlan, /SEARCH a USING INDEX sqlite_autoindex_agents_1 \(agent_id=\?\)/);
      assert.match(onePlan, /SEARCH u USING INDEX users_agent \(agent_id=\?\)/);
      assert.doesNotMatch(onePlan, /SCAN/, onePlan);
    });
  },
);
