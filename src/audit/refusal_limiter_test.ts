import assert from "node:assert/strict";
import { RefusalLimiter } from "./refusal_limiter.ts";

Deno.test("RefusalLimiter writes a burst per key and window, then counts into the next row", () => {
  let now = 0;
  const l = new RefusalLimiter({ burst: 2, windowMs: 1000, now: () => now });
  assert.deepEqual(l.admit("a"), { write: true, suppressed: 0 });
  assert.deepEqual(l.admit("a"), { write: true, suppressed: 0 });
  assert.deepEqual(l.admit("a"), { write: false, suppressed: 0 });
  assert.deepEqual(l.admit("a"), { write: false, suppressed: 0 });
  assert.deepEqual(l.admit("b"), { write: true, suppressed: 0 }, "keys are independent");
  now = 1000;
  assert.deepEqual(l.admit("a"), { write: true, suppressed: 2 });
  assert.deepEqual(l.admit("a"), { write: true, suppressed: 0 });
});

Deno.test("RefusalLimiter forgets the stalest keys beyond maxKeys and rejects a zero burst", () => {
  const l = new RefusalLimiter({ burst: 1, maxKeys: 2, now: () => 0 });
  l.admit("a");
  l.admit("b");
  l.admit("c");
  assert.deepEqual(l.admit("a"), { write: true, suppressed: 0 }, "a was dropped");
  assert.throws(() => new RefusalLimiter({ burst: 0 }), RangeError);
});
