import assert from "node:assert/strict";
import { AcceptBackoff, isDescriptorExhaustion } from "./accept_backoff.ts";

Deno.test("AcceptBackoff doubles its delay to the cap and reports a burst once, with its count", () => {
  let now = 0;
  const b = new AcceptBackoff({ minMs: 10, maxMs: 80, now: () => now });
  assert.equal(b.succeeded(), null, "no burst yet");
  const delays = [];
  const firsts = [];
  for (let i = 0; i < 6; i++) {
    const f = b.failed();
    delays.push(f.delayMs);
    firsts.push(f.first);
    now += f.delayMs;
  }
  assert.deepEqual(delays, [10, 20, 40, 80, 80, 80]);
  assert.deepEqual(firsts, [true, false, false, false, false, false]);
  assert.deepEqual(b.succeeded(), { failures: 6, durationMs: 310 });
  assert.equal(b.succeeded(), null);
  assert.deepEqual(b.failed(), { delayMs: 10, first: true }, "a new burst starts small");
});

Deno.test("isDescriptorExhaustion() knows EMFILE and ENFILE in their Deno forms", () => {
  assert.ok(isDescriptorExhaustion(new Error("Too many open files (os error 24)")));
  assert.ok(isDescriptorExhaustion(Object.assign(new Error("x"), { code: "ENFILE" })));
  assert.ok(isDescriptorExhaustion(new Error("accept: os error 23")));
  assert.ok(!isDescriptorExhaustion(new Error("Connection reset by peer (os error 104)")));
  assert.ok(!isDescriptorExhaustion(null));
});
