import assert from "node:assert/strict";
import { tempBox } from "../audit/_test_util.ts";
import { seedReports } from "./_seed_test_util.ts";
import {
  archivePurgeVolumes,
  linearSlope,
  selectiveRatio,
  storageGrowth,
} from "./system_reports.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const range = { from: "2026-05-01T00:00:00Z", to: "2026-05-06T00:00:00Z" };
const REACHED = ["not-sampled", "quota-exhausted", "matched"];

Deno.test("selectiveRatio() counts calls per rule once, ignoring simulations", opts, async () => {
  await using box = await tempBox();
  const s = await seedReports(box.store.db, box.audit, box.clock);
  const rows = await selectiveRatio(box.store.db, range, { vip: 100, sample10: 12.5 });
  for (const id of ["vip", "sample10", "fr"]) {
    const reached = s.decisions.flatMap((d) => d.rules).filter((r) =>
      r.id === id && REACHED.includes(r.outcome)
    );
    const recorded = reached.filter((r) => r.outcome === "matched").length;
    const row = rows.find((r) => r.ruleId === id)!;
    assert.deepEqual(
      { ...row },
      {
        ruleId: id,
        evaluated: reached.length,
        recorded,
        targetPercent: id === "vip" ? 100 : id === "sample10" ? 12.5 : 10,
        realizedPercent: Math.round((recorded / reached.length) * 1000) / 10,
      },
    );
  }
  const gold = await selectiveRatio(box.store.db, {
    ...range,
    filters: { customerType: "gold", ruleId: "fr" },
  });
  const goldKeys = new Set(
    s.recordings.map((r, i) => [r, i] as const).filter(([r]) => r.ctype === "gold").map(([, i]) =>
      `key${i}`
    ),
  );
  const expected = s.decisions.filter((d) => goldKeys.has(d.callKey)).flatMap((d) => d.rules)
    .filter((r) => r.id === "fr" && REACHED.includes(r.outcome)).length;
  assert.deepEqual(gold.map((r) => [r.ruleId, r.evaluated]), [["fr", expected]]);
});

Deno.test("archivePurgeVolumes() sums audit archive and purge rows per day", opts, async () => {
  await using box = await tempBox();
  const s = await seedReports(box.store.db, box.audit, box.clock);
  const rows = await archivePurgeVolumes(box.store.db, {
    from: range.from,
    to: "2026-05-08T00:00:00Z",
  });
  assert.equal(rows.length, 7);
  for (const row of rows) {
    const day = s.moves.filter((m) => m.day === row.day);
    const sum = (a: string) => day.filter((m) => m.action === a).reduce((t, m) => t + m.bytes, 0);
    assert.deepEqual(
      [row.archived, row.archivedBytes, row.purged, row.purgedBytes],
      [
        day.filter((m) => m.action === "recording.archive").length,
        sum("recording.archive"),
        day.filter((m) => m.action === "recording.purge").length,
        sum("recording.purge"),
      ],
      row.day,
    );
  }
});

Deno.test("linearSlope() fits a least-squares line", () => {
  assert.equal(linearSlope([5, 7, 9, 11]), 2);
  assert.equal(linearSlope([3]), 0);
  assert.equal(linearSlope([0, 10, 0, 10]), 2);
});

Deno.test(
  "storageGrowth() reconstructs used bytes back from now and forecasts days to full",
  opts,
  async () => {
    await using box = await tempBox();
    const s = await seedReports(box.store.db, box.audit, box.clock);
    const now = new Date("2026-05-06T12:00:00Z");
    const rep = await storageGrowth(box.store.db, range, { capacityBytes: 50_000_000, now });
    const used = s.recordings.filter((r) => r.spool && r.state !== "purged")
      .reduce((a, r) => a + r.size, 0);
    assert.equal(rep.usedBytes, used);
    assert.equal(rep.days.length, 5);
    // Walk forward from the first day: each day's used = previous + added − removed.
    for (let i = 1; i < rep.days.length; i++) {
      const d = rep.days[i];
      assert.equal(d.usedBytes, rep.days[i - 1].usedBytes + d.addedBytes - d.removedBytes, d.day);
      const added = s.recordings.filter((r) => r.day === d.day).reduce((a, r) => a + r.size, 0);
      assert.equal(d.addedBytes, added);
    }
    const slope = linearSlope(rep.days.map((d) => d.usedBytes));
    assert.equal(rep.growthBytesPerDay, Math.round(slope));
    if (slope > 0) {
      assert.equal(rep.daysToFull, Math.round(((50_000_000 - used) / slope) * 10) / 10);
    } else assert.equal(rep.daysToFull, null);
    const none = await storageGrowth(box.store.db, range, { now });
    assert.equal(none.daysToFull, null);
  },
);
