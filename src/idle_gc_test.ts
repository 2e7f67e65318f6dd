import assert from "node:assert/strict";
import { IdleGc } from "./idle_gc.ts";

function clocked(o: { quietMs?: number; minGapMs?: number; maxGapMs?: number } = {}) {
  let t = 0;
  let runs = 0;
  const idle = new IdleGc({ ...o, now: () => t, gc: () => runs++ });
  return { idle, advance: (ms: number) => t += ms, runs: () => runs };
}

Deno.test("IdleGc collects once after work goes quiet, not again while idle", () => {
  const c = clocked({ quietMs: 5_000, minGapMs: 10_000 });
  c.advance(20_000);
  assert.equal(c.idle.tick(), false, "no work yet: nothing to collect");
  c.idle.busy();
  c.advance(4_999);
  assert.equal(c.idle.tick(), false, "not quiet long enough");
  c.advance(1);
  assert.equal(c.idle.tick(), true);
  c.advance(60_000);
  assert.equal(c.idle.tick(), false, "idle since: no second collection");
  assert.equal(c.runs(), 1);
});

Deno.test("IdleGc keeps minGapMs between collections and collects a busy thread after maxGapMs", () => {
  const c = clocked({ quietMs: 1_000, minGapMs: 10_000, maxGapMs: 30_000 });
  c.idle.busy();
  c.advance(2_000);
  assert.equal(c.idle.tick(), false, "within minGapMs of the start");
  c.advance(8_000);
  assert.equal(c.idle.tick(), true);
  for (let i = 0; i < 29; i++) {
    c.advance(1_000);
    c.idle.busy();
    assert.equal(c.idle.tick(), false, `busy ${i + 1} s after the last collection`);
  }
  c.advance(1_000);
  c.idle.busy();
  assert.equal(c.idle.tick(), true, "busy for maxGapMs: collect anyway");
  assert.equal(c.runs(), 2);
});

Deno.test("IdleGc does nothing without a collector (no --expose-gc)", () => {
  const idle = new IdleGc({ gc: null, now: () => 1e9 });
  idle.busy();
  assert.equal(idle.enabled, false);
  assert.equal(idle.tick(), false);
});

Deno.test("IdleGc never collects while hold() is true, and collects once it clears", () => {
  let t = 0, runs = 0, live = true;
  const idle = new IdleGc({ now: () => t, gc: () => runs++, hold: () => live });
  idle.busy();
  t += 300_000;
  assert.equal(idle.tick(), false, "held past quietMs and maxGapMs alike");
  live = false;
  assert.equal(idle.tick(), true);
  assert.equal(runs, 1);
});
