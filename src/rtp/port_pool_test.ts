import assert from "node:assert/strict";
import { PortPool } from "./port_pool.ts";

Deno.test("PortPool hands out even ports round-robin until exhausted", () => {
  const pool = new PortPool({ min: 40001, max: 40008 });
  assert.equal(pool.size, 3);
  assert.deepEqual([pool.allocate(), pool.allocate(), pool.allocate()], [40002, 40004, 40006]);
  assert.equal(pool.allocate(), null);
  pool.release(40004);
  assert.equal(pool.allocate(), 40004);
  assert.equal(pool.inUse, 3);
});

Deno.test("PortPool does not reuse a just-released port while others are free", () => {
  const pool = new PortPool({ min: 40000, max: 40009 });
  const a = pool.allocate()!;
  pool.release(a);
  assert.notEqual(pool.allocate(), a);
});

Deno.test("PortPool.allocate() skips ports the bind check rejects and keeps them free", () => {
  const pool = new PortPool({ min: 40000, max: 40007 });
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
