import assert from "node:assert/strict";
import { seedAudit, tempBox } from "./_test_util.ts";
import { queryAudit } from "./query.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test("queryAudit() filters and pages newest first on seq", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 24);
  const first = await queryAudit(box.store.db, { action: "recording.*" }, { limit: 5 });
  assert.deepEqual(first.rows.map((r) => r.seq), [22, 21, 18, 17, 14]);
  const second = await queryAudit(box.store.db, { action: "recording." }, {
    limit: 5,
    before: first.next!,
  });
  assert.deepEqual(second.rows.map((r) => r.seq), [13, 10, 9, 6, 5]);
  const third = await queryAudit(box.store.db, { action: "recording.*" }, {
    limit: 5,
    before: second.next!,
  });
  assert.deepEqual([third.rows.map((r) => r.seq), third.next], [[2, 1], null]);
  const sue = await queryAudit(box.store.db, {
    user: "u1",
    action: "recording.play",
    from: "2026-01-01T05:00:00Z",
    to: "2026-01-02",
  });
  assert.deepEqual(sue.rows.map((r) => r.seq), [17]);
  assert.deepEqual(
    (await queryAudit(box.store.db, { customerId: 'cust,"8"' })).rows.map((r) => r.seq),
    [9],
  );
  assert.deepEqual(
    (await queryAudit(box.store.db, { recordingId: "rec-4" })).rows.map((r) => r.seq),
    [5],
  );
  await assert.rejects(queryAudit(box.store.db, { from: "yesterday" }), /Cannot parse date/);
});
