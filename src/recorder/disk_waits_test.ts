import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { isStoreFullError, nextDiskWait, NO_DISK_WAIT, retryOnFullDisk } from "./disk_waits.ts";

const load = (stalledFiles: number, stalls: number, lostMs = 0) => ({
  stalledFiles,
  stalls,
  lostMs,
  lastError: stalls ? "ENOSPC" : null,
});

Deno.test("nextDiskWait() opens an episode once, closes it once, and catches a short one", () => {
  const a = nextDiskWait(NO_DISK_WAIT, [load(2, 2), load(0, 0)]);
  assert.deepEqual([a.started, a.ended, a.stalledFiles, a.error], [true, false, 2, "ENOSPC"]);
  const b = nextDiskWait(a.state, [load(1, 2), load(0, 0)]);
  assert.deepEqual([b.started, b.ended], [false, false]);
  const c = nextDiskWait(b.state, [load(0, 2, 500), load(0, 0)]);
  assert.deepEqual([c.started, c.ended, c.newLostMs], [false, true, 500]);
  // Stalled and recovered between two reports: both at once.
  const d = nextDiskWait(c.state, [load(0, 3, 500), load(0, 0)]);
  assert.deepEqual([d.started, d.ended, d.newLostMs], [true, true, 0]);
});

Deno.test("isStoreFullError() knows SQLite's full-disk error and ENOSPC, not a constraint", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  db.exec("INSERT INTO t VALUES (1)");
  let constraint: unknown;
  try {
    db.exec("INSERT INTO t VALUES (1)");
  } catch (err) {
    constraint = err;
  }
  db.close();
  assert.equal(isStoreFullError(constraint), false);
  assert.equal(isStoreFullError(Object.assign(new Error("full"), { errcode: 13 })), true);
  assert.equal(isStoreFullError(Object.assign(new Error("x"), { code: "ENOSPC" })), true);
});

Deno.test("retryOnFullDisk() retries a full-disk failure until it passes, and not others", async () => {
  let calls = 0, waits = 0;
  const full = () => Object.assign(new Error("database or disk is full"), { errcode: 13 });
  const r = await retryOnFullDisk(() => {
    calls++;
    return calls < 3 ? Promise.reject(full()) : Promise.resolve("done");
  }, { onWait: () => waits++, retryMs: 1 });
  assert.deepEqual([r, calls, waits], ["done", 3, 1]);
  await assert.rejects(
    retryOnFullDisk(() => Promise.reject(new TypeError("bug")), { onWait: () => {}, retryMs: 1 }),
    TypeError,
  );
  await assert.rejects(
    retryOnFullDisk(() => Promise.reject(full()), { onWait: () => {}, retryMs: 1, maxMs: 5 }),
    /full/,
  );
});
