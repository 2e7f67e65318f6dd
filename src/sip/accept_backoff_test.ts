import assert from "node:assert/strict";
import { AcceptBackoff, isDescriptorExhaustion, runAcceptLoop } from "./accept_backoff.ts";

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

Deno.test("runAcceptLoop() backs off through failed accepts, reports the burst once, and wake() ends a wait", async () => {
  const results: (number | Error)[] = [
    new Error("Too many open files (os error 24)"),
    new Error("Too many open files (os error 24)"),
    1,
    2,
    new Error("Connection aborted (os error 103)"),
  ];
  let closed = false;
  const admitted: number[] = [];
  const failures: [boolean, boolean][] = [];
  const bursts: number[] = [];
  let parked: (() => void) | null = null;
  const loop = runAcceptLoop<number>({
    accept: () => {
      const next = results.shift();
      if (next === undefined) {
        return new Promise<number>((_, reject) => (parked = () => reject(new Error("closed"))));
      }
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    admit: (n) => admitted.push(n),
    closed: () => closed,
    failed: (_e, first, exhausted) => failures.push([first, exhausted]),
    recovered: (b) => bursts.push(b.failures),
    backoff: { minMs: 1, maxMs: 60_000 },
  });
  // Two quick failures (1 ms, 2 ms), two accepts, then a failure parked on a long wait.
  const t0 = performance.now();
  while (failures.length < 3 && performance.now() - t0 < 2000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(admitted, [1, 2]);
  assert.deepEqual(bursts, [2], "the first burst is reported once with its count");
  assert.deepEqual(failures, [[true, true], [false, true], [true, false]]);
  closed = true;
  loop.wake();
  const ended = await Promise.race([
    loop.done.then(() => "ended"),
    new Promise((r) => setTimeout(() => r("hung"), 1000)),
  ]);
  assert.equal(ended, "ended", "wake() cut the backoff wait short and the loop saw closed");
  assert.equal(parked, null, "no accept after close");
});
