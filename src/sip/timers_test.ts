import assert from "node:assert/strict";
import { FakeTimers } from "./timers.ts";

Deno.test("FakeTimers fires due timers in time order and not before", () => {
  const t = new FakeTimers();
  const log: string[] = [];
  t.set(() => log.push("b"), 20);
  const a = t.set(() => log.push("a"), 10);
  t.set(() => log.push("c"), 30);
  t.clear(a);
  t.advance(19);
  assert.deepEqual(log, []);
  t.advance(11);
  assert.deepEqual(log, ["b", "c"]);
  assert.equal(t.now(), 30);
  assert.equal(t.pending, 0);
});

Deno.test("FakeTimers runs timers armed by a firing timer within the same advance", () => {
  const t = new FakeTimers();
  const at: number[] = [];
  const tick = () => {
    at.push(t.now());
    if (at.length < 3) t.set(tick, 100);
  };
  t.set(tick, 100);
  t.advance(1000);
  assert.deepEqual(at, [100, 200, 300]);
});
