import assert from "node:assert/strict";
import { sql, type SqlBool } from "kysely";
import { migrate, openStore, type Store } from "../db.ts";
import { countRecordings, type RecordingFilter, searchRecordings } from "./recordings.ts";
import { filterWhere, type SearchSort, SORT_KEYS } from "./recording_filter.ts";
import { planPrefixMatches } from "./prefix_plan.ts";
import { seedUnitsAndAgents } from "./prefix_test_util.ts";
import { agentsInScope, distinctValues } from "./search_choices.ts";
import { recordingVisibleSearchWhere } from "./recording_access.ts";

interface Row {
  id: string;
  started: string;
  agent: string;
  customer: string;
  bu: string;
  ani: string;
  dnis: string;
  duration: number;
  mos: number | null;
}

function rng(seed: number) {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const BUS = ["Sales", "sales", "SALES", "Support", "Billing"];

/** 400 recordings; business units in mixed case, agents ag1..ag30 in two org units. */
function seed(store: Store): Row[] {
  const raw = store.raw;
  seedUnitsAndAgents(store, 30);
  const r = rng(11);
  const out: Row[] = [];
  for (let i = 0; i < 400; i++) {
    const row: Row = {
      id: `r${String(i).padStart(3, "0")}`,
      started: new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 300) * 1000).toISOString(),
      agent: `${r() < 0.5 ? "ag" : "AG"}${1 + Math.floor(r() * 30)}`,
      customer: `Cust${Math.floor(r() * 1000)}`,
      bu: BUS[Math.floor(r() * BUS.length)],
      ani: `+1555${Math.floor(r() * 1000)}`,
      dnis: `8${Math.floor(r() * 100)}`,
      duration: Math.floor(r() * 50) * 1000,
      mos: r() < 0.2 ? null : Math.round((1 + r() * 3.5) * 100) / 100,
    };
    raw.prepare("INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', ?)")
      .run(row.id, row.id, row.started);
    raw.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      agent_id, customer_id, business_unit, ani, dnis, duration_ms, mos, created_at)
      VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.id,
      row.id,
      row.started,
      row.agent,
      row.customer,
      row.bu,
      row.ani,
      row.dnis,
      row.duration,
      row.mos,
      row.started,
    );
    out.push(row);
  }
  return out;
}

const all = () => sql<SqlBool>`1 = 1`;

async function withSeeded(fn: (store: Store, rows: Row[]) => Promise<void> | void) {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    await fn(store, seed(store));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function ids(store: Store, filter: RecordingFilter, sort?: SearchSort): Promise<string[]> {
  const out: string[] = [];
  let offset = 0;
  for (;;) {
    const page = await searchRecordings(store.db, filter, all, { limit: 500, sort, offset });
    out.push(...page.rows.map((r) => r.id));
    if (page.nextOffset === null) return out;
    offset = page.nextOffset;
  }
}

const lc = (s: string) => s.toLowerCase();
const sorted = (xs: string[]) => [...xs].sort();

Deno.test("search matches text in any case and ids and numbers by prefix", async () => {
  await withSeeded(async (store, rows) => {
    const cases: [RecordingFilter, (r: Row) => boolean][] = [
      [{ businessUnit: "sales" }, (r) => lc(r.bu) === "sales"],
      [{ businessUnit: "SUPPORT" }, (r) => r.bu === "Support"],
      [{ agentId: "ag1" }, (r) => lc(r.agent).startsWith("ag1")],
      [{ agentId: "AG2" }, (r) => lc(r.agent).startsWith("ag2")],
      [{ customerId: "cust1" }, (r) => r.customer.startsWith("Cust1")],
      [{ number: "15551" }, (r) => r.ani.startsWith("+15551")],
      [{ number: "+1 555-1" }, (r) => r.ani.startsWith("+15551")],
      [{ number: "81" }, (r) => r.dnis.startsWith("81")],
      [{ minMos: 3.5 }, (r) => r.mos !== null && r.mos >= 3.5],
      [
        { maxMos: 2, businessUnit: "Sales" },
        (r) => r.mos !== null && r.mos <= 2 && lc(r.bu) === "sales",
      ],
    ];
    for (const [filter, keep] of cases) {
      const expected = rows.filter(keep).map((r) => r.id);
      assert.ok(expected.length > 3, `${JSON.stringify(filter)} matches some`);
      assert.ok(expected.length < rows.length, `${JSON.stringify(filter)} does not match all`);
      assert.deepEqual(sorted(await ids(store, filter)), sorted(expected), JSON.stringify(filter));
      const n = await countRecordings(store.db, filter, all);
      assert.equal(n.total, expected.length);
    }
    assert.deepEqual(await ids(store, { agentId: "g1" }), [], "a prefix, not a substring");
  });
});

Deno.test("every sort key orders both ways with a stable tiebreak, paged by offset", async () => {
  await withSeeded(async (store, rows) => {
    const value = (r: Row, key: string): string | number | null =>
      key === "duration"
        ? r.duration
        : key === "mos"
        ? r.mos
        : key === "agent"
        ? lc(r.agent)
        : key === "customer"
        ? lc(r.customer)
        : key === "bu"
        ? lc(r.bu)
        : r.started;
    const cmp = (a: string | number | null, b: string | number | null) =>
      a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
    for (const key of SORT_KEYS) {
      for (const dir of ["asc", "desc"] as const) {
        const sign = dir === "asc" ? 1 : -1;
        // Ties: by (started, id) in the same direction for numbers, reversed for text.
        const text = key === "agent" || key === "customer" || key === "bu";
        const tie = (a: Row, b: Row) =>
          text ? -sign * (cmp(a.started, b.started) || cmp(a.id, b.id)) : sign * cmp(a.id, b.id);
        const expected = [...rows].sort((a, b) =>
          sign * cmp(value(a, key), value(b, key)) || tie(a, b)
        ).map((r) => r.id);
        const got: string[] = [];
        let offset = 0;
        for (;;) {
          const page = await searchRecordings(store.db, {}, all, {
            limit: 37,
            sort: { key, dir },
            offset,
          });
          got.push(...page.rows.map((r) => r.id));
          if (page.nextOffset === null) break;
          offset = page.nextOffset;
        }
        if (key !== "started" || dir !== "desc") {
          assert.deepEqual(got, expected, `${key} ${dir}`);
        }
      }
    }
  });
});

Deno.test("a supervisor's prefix search stays inside their scope", async () => {
  await withSeeded(async (store, rows) => {
    const viewer = {
      partitions: null,
      hierarchy: { agentId: null, orgPath: "/1/2/", orgRoot: false },
    };
    const access = await recordingVisibleSearchWhere(store.db, viewer);
    const page = await searchRecordings(store.db, { agentId: "ag1" }, access, { limit: 500 });
    const odd = (a: string) => Number(a.slice(2)) % 2 === 1;
    // The access rule compares agent ids exactly: "AG1" is not the placed agent "ag1".
    const expected = rows.filter((r) => r.agent.startsWith("ag1") && odd(r.agent));
    assert.ok(expected.length > 0);
    assert.deepEqual(sorted(page.rows.map((r) => r.id)), sorted(expected.map((r) => r.id)));
    // The agents pick-list: present on recordings and in the subtree (odd ids, unit /1/2/).
    const agents = await agentsInScope(store.db, viewer);
    assert.ok(agents.length > 0 && agents.every((a) => odd(a)), agents.join());
    assert.deepEqual(await agentsInScope(store.db, null), []);
  });
});

Deno.test("distinctValues() lists each value once whatever its case, from the index", async () => {
  await withSeeded(async (store) => {
    const bus = await distinctValues(store.db, "business_unit");
    assert.deepEqual(bus.map(lc), ["billing", "sales", "support"]);
    assert.equal((await distinctValues(store.db, "agent_id", 5)).length, 5);
  });
});

/** The plan of the query `filter` runs (page or count), as one line. */
function plan(store: Store, filter: RecordingFilter, count = false): string {
  const planned: RecordingFilter = { prefixPlan: { agent: "index", number: "index" }, ...filter };
  const base = store.db.selectFrom("recordings").where(filterWhere(planned));
  const q = count
    ? base.select(sql`1`.as("one")).compile()
    : base.selectAll().orderBy("started_at", "desc").orderBy("id", "desc").limit(50).compile();
  return store.raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as never[]))
    .map((r) => String(r.detail)).join(" | ");
}

Deno.test("case-insensitive and prefix matches are served by indexes (EXPLAIN QUERY PLAN)", async () => {
  await withSeeded((store) => {
    store.raw.exec("ANALYZE");
    assert.match(
      plan(store, { businessUnit: "billing" }, true),
      /INDEX recordings_bu \(business_unit=\?\)/,
    );
    assert.match(plan(store, { language: "ES" }, true), /INDEX recordings_language/);
    assert.match(plan(store, { agentId: "ag1" }, true), /INDEX recording_agents_agent_nocase/);
    assert.match(
      plan(store, { customerId: "cust1" }, true),
      /INDEX recordings_customer \(customer_id>\? AND customer_id<\?\)/,
    );
    const num = plan(store, { number: "15551" }, true);
    assert.match(num, /INDEX recordings_ani \(ani>\? AND ani<\?\)/);
    assert.match(num, /INDEX recordings_dnis \(dnis>\? AND dnis<\?\)/);
    assert.match(plan(store, { maxMos: 2 }, true), /INDEX recordings_mos/);
    for (const f of [{ businessUnit: "billing" }, { agentId: "ag1" }, { number: "15551" }]) {
      assert.doesNotMatch(plan(store, f), /SCAN recordings(?! USING)/, JSON.stringify(f));
    }
  });
});

Deno.test("agent and number prefixes match the same rows through their index or by walking", async () => {
  await withSeeded(async (store) => {
    store.raw.exec("ANALYZE");
    for (
      const f of [{ agentId: "AG1" }, { number: "15551" }, { agentId: "ag2", number: "+1555" }]
    ) {
      const indexed = await planPrefixMatches(store.db, f);
      const walked = await planPrefixMatches(store.db, f, { cap: 3 });
      const keys = (["agent", "number"] as const).filter((k) =>
        k === "agent" ? "agentId" in f : "number" in f
      );
      for (const k of keys) {
        assert.equal(indexed.prefixPlan![k], "index", `${k} of ${JSON.stringify(f)}`);
        assert.equal(walked.prefixPlan![k], "scan", `${k} of ${JSON.stringify(f)}`);
      }
      const a = await searchRecordings(store.db, indexed, all, { limit: 500 });
      const b = await searchRecordings(store.db, walked, all, { limit: 500 });
      assert.ok(a.rows.length > 3);
      assert.deepEqual(a.rows.map((r) => r.id), b.rows.map((r) => r.id), JSON.stringify(f));
      // Every match is on the page; a walked number prefix is counted through its index.
      assert.equal(a.total, a.rows.length, JSON.stringify(f));
      assert.equal(b.total, b.rows.length, JSON.stringify(f));
      if (f.agentId && !f.number) {
        assert.match(plan(store, indexed), /SEARCH recordings USING INDEX sqlite_autoindex/);
        assert.match(plan(store, indexed), /recording_agents_agent_nocase/);
        assert.match(plan(store, walked), /SCAN recordings USING INDEX recordings_started/);
      }
    }
  });
});

Deno.test("a broad filter in another sort walks the sort's index, a narrow one sorts", async () => {
  await withSeeded(async (store, rows) => {
    const sort = { key: "duration", dir: "desc" } as const;
    const bu = await searchRecordings(store.db, { businessUnit: "sales" }, all, {
      limit: 10,
      sort,
    });
    const want = rows.filter((r) => lc(r.bu) === "sales")
      .sort((a, b) => b.duration - a.duration || (a.id < b.id ? 1 : -1)).slice(0, 10);
    assert.deepEqual(bu.rows.map((r) => r.id), want.map((r) => r.id));
  });
});
