import assert from "node:assert/strict";
import { SharedWriteBudget } from "./write_budget.ts";

Deno.test("SharedWriteBudget counts bytes across views of one buffer and is full at its limit", () => {
  const buffer = SharedWriteBudget.buffer();
  const a = new SharedWriteBudget(buffer, 1000);
  const b = new SharedWriteBudget(buffer, 1000);
  a.add(600);
  assert.equal(b.full, false);
  b.add(400);
  assert.equal(a.full, true);
  assert.equal(a.held, 1000);
  a.add(-600);
  assert.equal(b.full, false);
  assert.throws(() => new SharedWriteBudget(new SharedArrayBuffer(4), 1), RangeError);
});
