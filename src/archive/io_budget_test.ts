import assert from "node:assert/strict";
import { abortableSleep, IoBudget } from "./io_budget.ts";

/** A virtual clock whose sleep advances time at once and records each wait. */
function virtualClock() {
  const c = {
    t: 0,
    waits: [] as number[],
    now: () => c.t,
    sleep: (ms: number) => {
      c.waits.push(ms);
      c.t += ms;
      return Promise.resolve();
    },
  };
  return c;
}

Deno.test("IoBudget paces reads to bytesPerSecond whatever the chunk size", async () => {
  for (const chunk of [4096, 65_536, 1_000_000]) {
    const clock = virtualClock();
    const budget = new IoBudget(1_000_000, { clock });
    let read = 0;
    while (read < 10_000_000) {
      await budget.take(chunk);
      read += chunk;
    }
    // The first chunk goes at once; the rest are paced: 10 MB at 1 MB/s ≈ 10 s.
    assert.ok(clock.t >= ((read - chunk) / 1_000_000) * 1000 - 1e-6, `chunk ${chunk}: ${clock.t}`);
    assert.ok(clock.t <= (read / 1_000_000) * 1000 + 1e-6, `chunk ${chunk}: ${clock.t}`);
  }
});

Deno.test("IoBudget does not save up idle time beyond the present", async () => {
  const clock = virtualClock();
  const budget = new IoBudget(1000, { clock });
  await budget.take(1000);
  clock.t += 60_000; // a minute idle
  await budget.take(1000);
  await budget.take(1000);
  assert.deepEqual(clock.waits, [1000], "after idling, the second take waits its full second");
});

Deno.test("IoBudget and abortableSleep end a wait when the signal aborts", async () => {
  const abort = new AbortController();
  const budget = new IoBudget(10, { signal: abort.signal });
  await budget.take(10);
  const waiting = budget.take(10);
  abort.abort(new Error("stopped"));
  await assert.rejects(waiting, /stopped/);
  await assert.rejects(() => budget.take(1), /stopped/);
  await assert.rejects(() => abortableSleep(10, abort.signal), /stopped/);
  assert.throws(() => new IoBudget(0), RangeError);
});
