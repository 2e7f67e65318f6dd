import assert from "node:assert/strict";
import { sql, type SqlBool } from "kysely";
import { tempBox } from "../audit/_test_util.ts";
import { rng, seedReports } from "./_seed_test_util.ts";
import { findReport } from "./catalog.ts";
import { POOR_MOS } from "../store/queries/quality_reports.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const range = { from: "2026-05-01T00:00:00Z", to: "2026-05-06T00:00:00Z" };

Deno.test(
  "quality reports agree with MOS figures computed from the seeded data",
  opts,
  async () => {
    await using box = await tempBox();
    const s = await seedReports(box.store.db, box.audit, box.clock);
    const r = rng(5);
    const mos = new Map<string, number | null>();
    for (const rec of s.recordings) {
      const v = r() < 0.15 ? null : Math.round((1.5 + r() * 3) * 100) / 100;
      mos.set(rec.id, v);
      await box.store.db.updateTable("recordings").set({ mos: v }).where("id", "=", rec.id)
        .execute();
    }
    const expect = (key: (x: (typeof s.recordings)[number]) => string) => {
      const m = new Map<string, { n: number; rated: number[] }>();
      for (const rec of s.recordings) {
        const g = m.get(key(rec)) ?? { n: 0, rated: [] };
        g.n++;
        const v = mos.get(rec.id);
        if (v !== null && v !== undefined) g.rated.push(v);
        m.set(key(rec), g);
      }
      return m;
    };
    const cases: [string, (x: (typeof s.recordings)[number]) => string][] = [
      ["quality-by-agent", (x) => x.agent],
      ["quality-by-business-unit", (x) => x.bu ?? "(none)"],
      ["quality-by-day", (x) => x.day],
    ];
    for (const [id, key] of cases) {
      const result = await findReport(id)!.run(box.store.db, range, {});
      const want = expect(key);
      assert.equal(result.rows.length, want.size, id);
      for (const row of result.rows) {
        const g = want.get(String(row.key))!;
        assert.equal(row.recordings, g.n, `${id} ${row.key}`);
        assert.equal(row.rated, g.rated.length);
        const avg = g.rated.reduce((a, b) => a + b, 0) / g.rated.length;
        assert.ok(Math.abs((row.avgMos as number) - avg) < 0.006, `${id} ${row.key} average`);
        assert.equal(row.minMos, Math.min(...g.rated));
        assert.equal(row.poor, g.rated.filter((v) => v < POOR_MOS).length);
      }
      if (id !== "quality-by-day") {
        const avgs = result.rows.map((x) => x.avgMos as number);
        assert.deepEqual(avgs, [...avgs].sort((a, b) => a - b), "worst average first");
      }
    }
    // The reader's scope: only what the access WHERE lets through counts.
    const none = await findReport("quality-by-agent")!.run(box.store.db, {
      ...range,
      access: { recordings: () => sql<SqlBool>`0 = 1` } as never,
    }, {});
    assert.deepEqual(none.rows, []);
  },
);
