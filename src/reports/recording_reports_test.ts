import assert from "node:assert/strict";
import { tempBox } from "../audit/_test_util.ts";
import { seedReports } from "./_seed_test_util.ts";
import { completeness, pauseUsage, recordingsBy, reviewCoverage } from "./recording_reports.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const range = { from: "2026-05-01T00:00:00Z", to: "2026-05-06T00:00:00Z" };

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

Deno.test("recordingsBy() agrees with counts computed from the seeded data", opts, async () => {
  await using box = await tempBox();
  const s = await seedReports(box.store.db, box.audit, box.clock);
  const byDay = await recordingsBy(box.store.db, range, "day");
  assert.deepEqual(byDay.map((r) => r.key), [
    "2026-05-01",
    "2026-05-02",
    "2026-05-03",
    "2026-05-04",
    "2026-05-05",
  ]);
  const days = countBy(s.recordings, (r) => r.day);
  for (const row of byDay) assert.equal(row.recordings, days.get(row.key) ?? 0, row.key);
  const bytes = s.recordings.filter((r) => r.day === "2026-05-02").reduce((a, r) => a + r.size, 0);
  assert.equal(byDay[1].bytes, bytes);

  const byBu = await recordingsBy(box.store.db, range, "business_unit");
  assert.deepEqual(
    new Map(byBu.map((r) => [r.key, r.recordings])),
    countBy(s.recordings, (r) => r.bu ?? "(none)"),
  );
  const fr = await recordingsBy(
    box.store.db,
    { ...range, filters: { language: "fr" } },
    "agent_id",
  );
  assert.deepEqual(
    new Map(fr.map((r) => [r.key, r.recordings])),
    countBy(s.recordings.filter((r) => r.lang === "fr"), (r) => r.agent),
  );
  const one = await recordingsBy(box.store.db, {
    from: "2026-05-03T00:00:00Z",
    to: "2026-05-04T00:00:00Z",
  }, "customer_type");
  assert.deepEqual(
    new Map(one.map((r) => [r.key, r.recordings])),
    countBy(s.recordings.filter((r) => r.day === "2026-05-03"), (r) => r.ctype),
  );
});

Deno.test("pauseUsage() agrees with pauses summed per agent", opts, async () => {
  await using box = await tempBox();
  const s = await seedReports(box.store.db, box.audit, box.clock);
  const rows = await pauseUsage(box.store.db, range);
  for (const agent of ["a1", "a2", "a3", "a4"]) {
    const recs = s.recordings.filter((r) => r.agent === agent);
    const ids = new Set(recs.map((r) => r.id));
    const ps = s.pauses.filter((p) => ids.has(p.recordingId));
    const ms = ps.reduce((a, p) => {
      const end = p.endMs ?? s.recordings.find((r) => r.id === p.recordingId)!.durationMs;
      return a + Math.max(0, end - p.startMs);
    }, 0);
    const row = rows.find((r) => r.agentId === agent)!;
    assert.deepEqual(
      [row.recordings, row.pausedRecordings, row.pauses, row.pausedSeconds],
      [
        recs.length,
        new Set(ps.map((p) => p.recordingId)).size,
        ps.length,
        Math.round(ms / 100) / 10,
      ],
      agent,
    );
  }
});

Deno.test("completeness() counts interrupted, no-media and one-way per day", opts, async () => {
  await using box = await tempBox();
  const s = await seedReports(box.store.db, box.audit, box.clock);
  const rows = await completeness(box.store.db, range);
  for (const row of rows) {
    const recs = s.recordings.filter((r) => r.day === row.day);
    const interrupted = recs.filter((r) => r.interrupted || r.state === "interrupted").length;
    const clean = recs.filter((r) =>
      !r.interrupted && r.state !== "interrupted" && !r.noMedia && !r.oneWay
    ).length;
    assert.deepEqual(
      [row.recordings, row.interrupted, row.noMedia, row.oneWay, row.completePercent],
      [
        recs.length,
        interrupted,
        recs.filter((r) => r.noMedia).length,
        recs.filter((r) => r.oneWay).length,
        recs.length ? Math.round((clean / recs.length) * 1000) / 10 : null,
      ],
      row.day,
    );
  }
});

Deno.test(
  "reviewCoverage() counts recordings played at least once (ok plays only) by team",
  opts,
  async () => {
    await using box = await tempBox();
    const s = await seedReports(box.store.db, box.audit, box.clock);
    const rows = await reviewCoverage(box.store.db, range);
    const played = new Set(s.plays);
    const teams = countBy(s.recordings, (r) => s.teamOf[r.agent] ?? "(no team)");
    assert.deepEqual(rows.map((r) => r.team), [...teams.keys()].sort());
    for (const row of rows) {
      const recs = s.recordings.filter((r) => (s.teamOf[r.agent] ?? "(no team)") === row.team);
      assert.equal(row.recordings, recs.length);
      assert.equal(row.played, recs.filter((r) => played.has(r.id)).length, row.team);
    }
  },
);
