import assert from "node:assert/strict";
import { cryptoRandomInt, PortPool } from "./port_pool.ts";

/** A fixed sequence of "random" picks, for deterministic allocation order. */
function picks(...values: number[]): (n: number) => number {
  let i = 0;
  return (n) => values[i++ % values.length] % n;
}

Deno.test("PortPool hands out even ports from a random start until exhausted", () => {
  const pool = new PortPool({ min: 40001, max: 40008, random: picks(1, 1, 1) });
  assert.equal(pool.size, 3);
  assert.deepEqual([pool.allocate(), pool.allocate(), pool.allocate()], [40004, 40006, 40002]);
  assert.equal(pool.allocate(), null);
  pool.release(40004);
  assert.equal(pool.allocate(), 40004, "a cooling pair is used when nothing else is free");
  assert.equal(pool.inUse, 3);
});

Deno.test("PortPool allocation is not predictable from the previous ports", () => {
  const pool = new PortPool({ min: 20000, max: 29999 });
  const got = Array.from({ length: 200 }, () => pool.allocate()!);
  assert.equal(new Set(got).size, 200);
  assert.ok(got.every((p) => p % 2 === 0 && p >= 20000 && p <= 29998));
  // Round-robin would give consecutive pairs; random picks almost never do.
  const consecutive = got.slice(1).filter((p, i) => p === got[i] + 2).length;
  assert.ok(consecutive < 20, `${consecutive} of 199 allocations followed the previous pair`);
});

Deno.test("PortPool does not reuse a released pair while a quarter of the range is newer", () => {
  const pool = new PortPool({ min: 40000, max: 40015, random: picks(0) }); // 8 pairs, cool 2
  const a = pool.allocate()!;
  pool.release(a);
  for (let i = 0; i < 7; i++) assert.notEqual(pool.allocate(), a);
  assert.equal(pool.allocate(), a);
});

Deno.test("PortPool.allocate() skips ports the bind check rejects and keeps them free", () => {
  const pool = new PortPool({ min: 40000, max: 40007, random: picks(0) });
  assert.equal(pool.allocate((p) => p !== 40000), 40002);
  assert.equal(pool.inUse, 1);
  assert.equal(pool.allocate(() => false), null);
  assert.deepEqual([pool.allocate(), pool.allocate(), pool.allocate()].sort(), [
    40000,
    40004,
    40006,
  ]);
});

Deno.test("PortPool rejects bad ranges and foreign or double releases", () => {
  assert.throws(() => new PortPool({ min: 80, max: 100 }), RangeError);
  assert.throws(() => new PortPool({ min: 40001, max: 40002 }), RangeError);
  const pool = new PortPool({ min: 40000, max: 40009 });
  assert.throws(() => pool.release(40001), RangeError);
  assert.throws(() => pool.release(40002), RangeError);
});

Deno.test("cryptoRandomInt() covers its whole range and nothing else", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(cryptoRandomInt(5));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});
