import assert from "node:assert/strict";
import { sql, type SqlBool } from "kysely";
import { migrate, openStore, type Store } from "../db.ts";
import { type Cursor, type RecordingFilter, searchRecordings } from "./recordings.ts";

interface Seeded {
  id: string;
  started: string;
  paused: number;
  interrupted: number;
  hold: number;
  language: string;
  md: [string, string][];
}

function rng(seed: number) {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** 300 recordings with random start times, flags, languages and metadata. */
function seed(store: Store): Seeded[] {
  const raw = store.raw;
  raw.exec("INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/tmp')");
  const r = rng(7);
  const out: Seeded[] = [];
  for (let i = 0; i < 300; i++) {
    const id = `r${String(i).padStart(3, "0")}`;
    // Whole seconds, some shared, so the (started_at, id) keyset tie-break matters.
    const started = new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 200) * 1000).toISOString();
    const s: Seeded = {
      id,
      started,
      paused: r() < 0.2 ? 1 : 0,
      interrupted: r() < 0.1 ? 1 : 0,
      hold: r() < 0.1 ? 1 : 0,
      language: r() < 0.5 ? "en" : "es",
      md: [["campaign", `c${Math.floor(r() * 4)}`]],
    };
    if (r() < 0.5) s.md.push(["tier", r() < 0.5 ? "gold" : "silver"]);
    raw.prepare("INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', ?)")
      .run(id, id, started);
    raw.prepare(
      `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      language, flag_paused, flag_interrupted, legal_hold, created_at)
      VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, ?, ?, ?, ?)`,
    ).run(id, id, started, s.language, s.paused, s.interrupted, s.hold, started);
    for (const [k, v] of s.md) {
      raw.prepare("INSERT INTO recording_metadata (recording_id, key, value) VALUES (?, ?, ?)")
        .run(id, k, v);
    }
    out.push(s);
  }
  return out;
}

const all = () => sql<SqlBool>`1 = 1`;

/** Every page of a search, following the keyset cursor. */
async function everyPage(store: Store, filter: RecordingFilter): Promise<string[]> {
  const ids: string[] = [];
  let after: Cursor | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await searchRecordings(store.db, filter, all, { limit: 7, after });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.next) return ids;
    after = page.next;
  }
  throw new Error("paging did not end");
}

Deno.test("searchRecordings() pages flags and metadata filters newest first, exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    const rows = seed(store);
    const newestFirst = (a: Seeded, b: Seeded) =>
      a.started === b.started ? (a.id < b.id ? 1 : -1) : a.started < b.started ? 1 : -1;
    const has = (s: Seeded, k: string, v: string) => s.md.some(([a, b]) => a === k && b === v);
    const cases: [RecordingFilter, (s: Seeded) => boolean][] = [
      [{ paused: true }, (s) => s.paused === 1],
      [{ paused: false }, (s) => s.paused === 0],
      [{ interrupted: true, language: "es" }, (s) => s.interrupted === 1 && s.language === "es"],
      [{ legalHold: true }, (s) => s.hold === 1],
      [{ metadata: [{ key: "campaign", value: "c2" }] }, (s) => has(s, "campaign", "c2")],
      [
        { metadata: [{ key: "campaign", value: "c1" }, { key: "tier", value: "gold" }] },
        (s) => has(s, "campaign", "c1") && has(s, "tier", "gold"),
      ],
      [
        {
          metadata: [{ key: "tier", value: "silver" }],
          paused: true,
          from: "2026-01-01T00:01:00.000Z",
        },
        (s) =>
          has(s, "tier", "silver") && s.paused === 1 && s.started >= "2026-01-01T00:01:00.000Z",
      ],
    ];
    for (const [filter, keep] of cases) {
      const expected = rows.filter(keep).sort(newestFirst).map((s) => s.id);
      assert.ok(expected.length > 7, `${JSON.stringify(filter)} spans pages`);
      assert.deepEqual(await everyPage(store, filter), expected, JSON.stringify(filter));
      const first = await searchRecordings(store.db, filter, all, { limit: 7 });
      assert.equal(first.total, expected.length, `count of ${JSON.stringify(filter)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recording_metadata keeps its recording's started_at on insert and on change", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    seed(store);
    const started = (id: string) =>
      store.raw.prepare(
        "SELECT DISTINCT m.started_at AS m, r.started_at AS r FROM recording_metadata m " +
          "JOIN recordings r ON r.id = m.recording_id WHERE m.recording_id = ?",
      ).all(id).map((x) => ({ ...x }));
    assert.deepEqual(started("r010"), [{ m: started("r010")[0].r, r: started("r010")[0].r }]);
    store.raw.prepare("UPDATE recordings SET started_at = ? WHERE id = 'r010'")
      .run("2030-01-01T00:00:00.000Z");
    assert.deepEqual(started("r010"), [
      { m: "2030-01-01T00:00:00.000Z", r: "2030-01-01T00:00:00.000Z" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("flag and metadata searches use their indexes, not a scan of every recording", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    seed(store);
    store.raw.exec("ANALYZE");
    const plan = async (filter: RecordingFilter) => {
      let text = "";
      await searchRecordings(store.db, filter, all, { limit: 50 }, {
        reads: {
          run: (q) => {
            if (!q.sql.includes("count(")) {
              text = store.raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
                .all(...(q.parameters as never[])).map((r) => String(r.detail)).join(" | ");
            }
            return Promise.resolve(q.sql.includes("count(") ? [{ n: 0 }] : []);
          },
        },
      });
      return text;
    };
    assert.match(await plan({ paused: true }), /recordings_flag_paused/);
    assert.match(await plan({ legalHold: true }), /recordings_legal_hold/);
    const md = await plan({ metadata: [{ key: "campaign", value: "c1" }] });
    assert.match(md, /recording_metadata_kv_started/);
    assert.doesNotMatch(md, /TEMP B-TREE/, "ordered by the index, not sorted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
