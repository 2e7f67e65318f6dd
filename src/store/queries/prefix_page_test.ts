import assert from "node:assert/strict";
import type { CompiledQuery } from "kysely";
import { migrate, openStore, type Store } from "../db.ts";
import { filterWhere, type RecordingFilter } from "./recording_filter.ts";
import { planPrefixMatches } from "./prefix_plan.ts";
import { seedUnitsAndAgents } from "./prefix_test_util.ts";
import { type Cursor, searchRecordings } from "./recordings.ts";
import {
  type RecordingViewer,
  recordingVisibleSearchWhere,
  recordingVisibleWhere,
} from "./recording_access.ts";

/**
 * 600 recordings of agents ag1..ag60 (odd ones in unit /1/2/, even ones in /1/3/), in
 * partitions p0..p2; every tenth call transferred to a second agent, every 13th with a
 * DNIS that starts like the ANIs (a row matching one prefix twice), every 17th deleted.
 */
function seed(store: Store): void {
  const raw = store.raw;
  seedUnitsAndAgents(store);
  for (let i = 0; i < 600; i++) {
    const id = `r${String(i).padStart(3, "0")}`;
    // Some rows share a start time, so the id breaks the tie.
    const started = new Date(Date.UTC(2026, 0, 1) + i * 7919 % 500 * 1000).toISOString();
    raw.prepare("INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', ?)")
      .run(id, id, started);
    raw.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      agent_id, ani, dnis, created_at) VALUES (?, ?, ?, 'opus', ?, 'x', 1, ?, ?, ?, ?)`,
    ).run(
      id,
      id,
      i % 17 === 0 ? "deleted" : "complete",
      started,
      `ag${1 + i % 60}`,
      `+1555${i % 37}`,
      i % 13 === 0 ? `1555${i % 5}` : `8${i % 11}`,
      started,
    );
    raw.prepare("INSERT INTO recording_partitions (recording_id, partition) VALUES (?, ?)")
      .run(id, `p${i % 3}`);
    if (i % 10 === 0) {
      raw.prepare(
        "INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES (?, ?, 60000)",
      ).run(id, `ag${1 + (i * 7 + 3) % 60}`);
    }
  }
}

/** A supervisor of unit /1/2/ (odd agents) in partitions p0 and p1. */
const SUPERVISOR: RecordingViewer = {
  partitions: ["p0", "p1"],
  hierarchy: { agentId: null, orgPath: "/1/2/", orgRoot: false },
};

/** Every page of `limit` rows, newest first, following the cursor; and the page SQL. */
async function pages(store: Store, filter: RecordingFilter, limit: number) {
  const access = await recordingVisibleSearchWhere(store.db, SUPERVISOR);
  const planned = await planPrefixMatches(store.db, filter, {
    scopeAgents: access.scopeAgents,
    cap: 400,
  });
  const ids: string[] = [];
  const sqls: CompiledQuery[] = [];
  const reads = {
    run(q: CompiledQuery) {
      if (!/count\(\*\)/.test(q.sql)) sqls.push(q);
      return Promise.resolve(store.raw.prepare(q.sql).all(...(q.parameters as never[])));
    },
  };
  let after: Cursor | null = null;
  do {
    const page = await searchRecordings(store.db, planned, access, { limit, after }, { reads });
    ids.push(...page.rows.map((r) => r.id));
    after = page.next;
  } while (after);
  return { planned, ids, sqls };
}

/** The same search by the reference rule, with no plan: a walk testing every row. */
async function referenceIds(store: Store, filter: RecordingFilter): Promise<string[]> {
  const rows = await store.db.selectFrom("recordings").select("id")
    .where(filterWhere(filter)).where(recordingVisibleWhere(SUPERVISOR))
    .orderBy("started_at", "desc").orderBy("id", "desc").execute();
  return rows.map((r) => r.id);
}

Deno.test("a supervisor's number prefix pages newest first from its ordered candidates, exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    seed(store);
    for (const number of ["1555", "+1555", "155", "8"]) {
      const expected = await referenceIds(store, { number });
      assert.ok(expected.length > 0, number);
      for (const limit of [1, 7, 500]) {
        const { planned, ids, sqls } = await pages(store, { number }, limit);
        assert.equal(planned.prefixPlan!.number, "scope", number);
        assert.deepEqual(ids, expected, `${number}, pages of ${limit}`);
        // The candidates are ordered inside the co-routine; the page itself never sorts.
        const q = sqls[sqls.length - 1];
        const plan = store.raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
          .all(...(q.parameters as never[])).map((r) => ({ ...r }));
        const top = plan.filter((r) => r.parent === 0).map((r) => String(r.detail));
        assert.deepEqual(top.slice(0, 1), ["CO-ROUTINE c"], JSON.stringify(top));
        assert.ok(top.includes("SCAN c"), JSON.stringify(top));
        assert.ok(!top.some((d) => d.includes("TEMP B-TREE")), JSON.stringify(top));
        const inner = plan.map((r) => String(r.detail)).filter((d) => d.startsWith("SEARCH"));
        assert.ok(
          inner.filter((d) => /recordings_(agent|multi)_/.test(d))
            .every((d) => d.includes("COVERING INDEX")),
          JSON.stringify(inner),
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
