import assert from "node:assert/strict";
import { GAP_MS, HOLD_BACK_MS, STALL_HOLD_MS, Timeline } from "./timeline.ts";

const frame = (value: number) => new Int16Array(160).fill(value);

/** Feeds `ms` of 20 ms packets on one stream, starting at arrival `t0`. */
function feed(
  tl: Timeline,
  key: string,
  ch: 0 | 1,
  t0: number,
  ms: number,
  value: number,
  ts0 = 1000,
  ssrc = 7,
) {
  for (let t = 0; t < ms; t += 20) tl.place(key, ch, ssrc, ts0 + t * 8, t0 + t, frame(value));
}

function channel(pcm: Int16Array, ch: number): Int16Array {
  return pcm.filter((_, i) => i % 2 === ch);
}

Deno.test("Timeline places a late-starting leg at its arrival time", () => {
  const tl = new Timeline(100);
  feed(tl, "a", 0, 0, 5000, 100);
  feed(tl, "b", 1, 3000, 2000, 200, 55_555);
  const pcm = tl.drain(0, true)!;
  const left = channel(pcm, 0), right = channel(pcm, 1);
  assert.equal(left.length, 40_000);
  assert.equal(right.slice(0, 24_000).every((v) => v === 0), true, "agent silent before 3 s");
  assert.equal(right.slice(24_000, 40_000).every((v) => v === 200), true, "agent from 3 s on");
  assert.equal(left.every((v) => v === 100), true);
});

Deno.test("Timeline reorders packets within the depth and drops late ones", () => {
  const tl = new Timeline(100);
  tl.place("a", 0, 1, 0, 0, frame(1));
  tl.place("a", 0, 1, 320, 40, frame(3)); // arrives before its predecessor
  tl.place("a", 0, 1, 160, 45, frame(2));
  const out = channel(tl.drain(200)!, 0);
  assert.deepEqual([out[0], out[160], out[320]], [1, 2, 3]);
  assert.equal(tl.place("a", 0, 1, 0, 300, frame(9)), false, "already emitted: dropped");
  assert.equal(tl.stats.lateDropped, 1);
});

Deno.test("Timeline fills lost packets with silence and keeps duration", () => {
  const tl = new Timeline(100);
  for (let i = 0; i < 50; i++) if (i % 10 !== 3) tl.place("a", 0, 1, i * 160, i * 20, frame(5));
  const out = channel(tl.drain(0, true)!, 0);
  assert.equal(out.length, 50 * 160);
  assert.equal(out[3 * 160 + 10], 0);
  assert.equal(out[4 * 160 + 10], 5);
});

Deno.test("Timeline pause spans are digital silence and are reported in ms", () => {
  const tl = new Timeline(0);
  feed(tl, "a", 0, 0, 1000, 50);
  tl.drain(400);
  tl.pause(400);
  tl.resume(700);
  const rest = channel(tl.drain(0, true)!, 0);
  assert.equal(rest.slice(0, 300 * 8).every((v) => v === 0), true);
  assert.equal(rest.slice(300 * 8).every((v) => v === 50), true);
  assert.deepEqual(tl.pauses, [{ startMs: 400, endMs: 700 }]);
});

Deno.test("Timeline re-anchors an SSRC change without losing sync", () => {
  const tl = new Timeline(100);
  feed(tl, "a", 0, 0, 1000, 10, 1000, 1);
  feed(tl, "a", 0, 1000, 1000, 20, 9_000_000, 2);
  const out = channel(tl.drain(0, true)!, 0);
  assert.equal(out.length, 16_000);
  assert.equal(out[7999], 10);
  assert.equal(out[8000], 20);
  assert.equal(tl.stats.reanchors, 1);
});

Deno.test("Timeline handles RTP timestamp wrap", () => {
  const tl = new Timeline(100);
  const ts0 = 0xffffffff - 160 * 10 + 1;
  for (let i = 0; i < 30; i++) tl.place("a", 0, 1, (ts0 + i * 160) >>> 0, i * 20, frame(4));
  const out = channel(tl.drain(0, true)!, 0);
  assert.equal(out.length, 30 * 160);
  assert.ok(out.every((v) => v === 4));
  assert.equal(tl.stats.reanchors, 0);
});

Deno.test("Timeline records gaps longer than 2 s on a channel", () => {
  const tl = new Timeline(100);
  feed(tl, "a", 1, 0, 1000, 1);
  feed(tl, "a", 1, 1000 + GAP_MS + 500, 500, 1, 1000 + (1000 + GAP_MS + 500) * 8);
  assert.equal(tl.gaps.length, 1);
  assert.equal(tl.gaps[0].channel, 1);
  assert.equal(tl.gaps[0].startMs, 1000);
  assert.equal(tl.gaps[0].endMs, 3500);
});

Deno.test("Timeline never counts a 40 s pause as a gap, on either channel", () => {
  const tl = new Timeline(100);
  // Both legs talk for 1 s; the SRC pauses (a=inactive) for 40 s, both legs go silent;
  // media resumes with the RTP clock run on.
  feed(tl, "a", 0, 0, 1000, 1);
  feed(tl, "b", 1, 0, 1000, 2);
  tl.drain(1000);
  tl.pause(1000);
  for (let t = 1250; t <= 41_000; t += 250) tl.drain(t);
  tl.resume(41_000);
  feed(tl, "a", 0, 41_000, 1000, 1, 1000 + 41_000 * 8);
  feed(tl, "b", 1, 41_000, 1000, 2, 1000 + 41_000 * 8);
  assert.deepEqual(tl.gaps, []);
  assert.deepEqual(tl.pauses, [{ startMs: 1000, endMs: 41_000 }]);
  assert.ok(tl.drain(42_000, true)!.length > 0, "audio after the pause is kept");
});

Deno.test("Timeline still records the silence outside a pause as a gap", () => {
  const tl = new Timeline(100);
  feed(tl, "a", 0, 0, 1000, 1);
  tl.drain(1000);
  tl.pause(1000);
  tl.resume(5000);
  // Silent 4 s more after the pause ended: that part is a gap, the pause is not.
  for (let t = 1250; t <= 9000; t += 250) tl.drain(t);
  feed(tl, "a", 0, 9000, 500, 1, 1000 + 9000 * 8);
  assert.deepEqual(tl.gaps, [{ channel: 0, startMs: 5000, endMs: 9000 }]);
});

Deno.test("Timeline keeps audio contiguous across many ring wraps", () => {
  const tl = new Timeline(100);
  const out: number[] = [];
  // 30 s of 20 ms packets whose samples count up, drained every 250 ms.
  for (let i = 0; i < 1500; i++) {
    const pcm = new Int16Array(160);
    for (let j = 0; j < 160; j++) pcm[j] = (i * 160 + j) % 30000 + 1;
    tl.place("a", 0, 1, i * 160, i * 20, pcm);
    if (i % 12 === 11) {
      const batch = tl.drain(i * 20);
      if (batch) { for (let k = 0; k < batch.length; k += 2) out.push(batch[k]); }
    }
  }
  const rest = tl.drain(30_000, true)!;
  for (let k = 0; k < rest.length; k += 2) out.push(rest[k]);
  assert.equal(out.length, 1500 * 160);
  for (let n = 0; n < out.length; n++) {
    if (out[n] !== (n % 30000) + 1) {
      assert.fail(`sample ${n} is ${out[n]}, expected ${(n % 30000) + 1}`);
    }
  }
});

/** Places 20 ms packets of value `v` for slots [from, to) of a stream, all arriving at `at`. */
function burst(
  tl: Timeline,
  key: string,
  ch: 0 | 1,
  from: number,
  to: number,
  v: number,
  at: number,
) {
  for (let i = from; i < to; i++) tl.place(key, ch, 7, 1000 + i * 160, at, frame(v));
}

Deno.test("Timeline keeps every packet read in a burst after this thread stalled for 2.5 s", () => {
  const tl = new Timeline(100);
  const out: Int16Array[] = [];
  const drain = (t: number, final = false) => {
    const pcm = tl.drain(t, final);
    if (pcm) out.push(pcm);
  };
  // 1 s of both legs on time, drained every 250 ms.
  for (let i = 0; i < 50; i++) {
    burst(tl, "a", 0, i, i + 1, 1, i * 20);
    burst(tl, "b", 1, i, i + 1, 2, i * 20);
    if (i % 12 === 11) drain(i * 20);
  }
  // The thread stops for 2.5 s. On waking the drain timer fires before the sockets are
  // read; then both sockets give up their backlog at once.
  const wake = 980 + 2500;
  drain(wake);
  burst(tl, "a", 0, 50, 175, 1, wake);
  burst(tl, "b", 1, 50, 175, 2, wake);
  // Back on time to the end of the call (3.5 s of audio).
  for (let t = wake + 250; t <= wake + 3000; t += 250) drain(t);
  drain(wake + 3000, true);
  const all = new Int16Array(out.reduce((n, p) => n + p.length, 0));
  out.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  const left = channel(all, 0), right = channel(all, 1);
  const stats = tl.stats;
  assert.equal(stats.lateDropped, 0);
  assert.equal(stats.reanchors, 0);
  assert.equal(left.length, 175 * 160, "3.5 s, no more and no less");
  assert.ok(left.every((v) => v === 1), "customer audio unbroken");
  assert.ok(right.every((v) => v === 2), "agent audio unbroken");
});

Deno.test("Timeline waits up to HOLD_BACK_MS for a leg whose packets come late, then emits its silence", () => {
  const tl = new Timeline(100);
  // Leg a on time for 6 s; leg b on time for 1 s, then its next 1.5 s come in one burst
  // (a socket this thread read late), then it stops for good.
  let pcm: Int16Array[] = [];
  for (let i = 0; i < 300; i++) {
    burst(tl, "a", 0, i, i + 1, 1, i * 20);
    if (i < 50) burst(tl, "b", 1, i, i + 1, 2, i * 20);
    if (i === 125) burst(tl, "b", 1, 50, 125, 2, 2500);
    if (i % 12 === 11) {
      const p = tl.drain(i * 20);
      if (p) pcm.push(p);
    }
  }
  const emitted = tl.emittedSamples;
  // b has sent nothing since 2.5 s (its audio ends at 2.5 s): emission waited for it
  // until HOLD_BACK_MS had passed, then went on with silence on b's channel.
  assert.ok(emitted > (2500 + 100) * 8, `emission went on (${emitted / 8} ms)`);
  assert.ok(emitted <= (5980 - HOLD_BACK_MS) * 8 + 160, `emission waited (${emitted / 8} ms)`);
  pcm.push(tl.drain(6000, true)!);
  const all = new Int16Array(pcm.reduce((n, p) => n + p.length, 0));
  pcm.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  pcm = [];
  const right = channel(all, 1);
  assert.equal(tl.stats.lateDropped, 0);
  assert.ok(right.subarray(0, 125 * 160).every((v) => v === 2), "the late 1.5 s of b is kept");
  assert.ok(right.subarray(125 * 160).every((v) => v === 0), "silence after b stopped");
});

Deno.test("Timeline still re-anchors a leg whose timestamps jump back into audio already emitted", () => {
  const tl = new Timeline(100);
  for (let i = 0; i < 250; i++) {
    tl.place("a", 0, 7, 80_000 + i * 160, i * 20, frame(1));
    if (i % 12 === 11) tl.drain(i * 20);
  }
  // The sender restarts its timestamps (same SSRC) 3 s back, at 5 s on our clock.
  for (let i = 0; i < 50; i++) tl.place("a", 0, 7, 56_000 + i * 160, 5000 + i * 20, frame(3));
  assert.equal(tl.stats.reanchors, 1);
  assert.equal(tl.stats.lateDropped, 0);
  const rest = channel(tl.drain(6000, true)!, 0);
  assert.ok(rest.includes(3), "the restarted audio is placed after what was emitted");
});

Deno.test("Timeline on a thread whose every drain is late never holds a sending leg's audio past its ring", () => {
  const tl = new Timeline(100);
  // Leg b sends 1 s and stops for good; leg a sends 30 s. The overloaded thread drains
  // only every 1.5 s (each drain a "stall"), reading the sockets just before.
  for (let i = 0; i < 1500; i++) {
    tl.place("a", 0, 7, 1000 + i * 160, i * 20, frame(1));
    if (i < 50) tl.place("b", 1, 9, 5000 + i * 160, i * 20, frame(2));
    if (i % 75 === 74) tl.drain(i * 20);
  }
  assert.equal(tl.stats.aheadDropped, 0);
  assert.ok(
    tl.emittedSamples >= (29_980 - STALL_HOLD_MS - 1500) * 8,
    `${tl.emittedSamples / 8} ms`,
  );
  const rest = channel(tl.drain(30_000, true)!, 0);
  assert.ok(rest.every((v) => v === 1));
});
