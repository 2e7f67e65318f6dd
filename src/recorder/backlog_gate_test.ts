import assert from "node:assert/strict";
import { BacklogGate, backlogLimits, nextEpisode } from "./backlog_gate.ts";

const BATCH = 2000; // 250 ms at 8 kHz

function gate(): BacklogGate {
  return new BacklogGate({ highSamples: 4 * BATCH, lowSamples: BATCH });
}

Deno.test("BacklogGate posts batches while the encoder keeps up", () => {
  const g = gate();
  for (let i = 0; i < 100; i++) {
    assert.equal(g.push(BATCH), "post");
    g.ack(BATCH);
  }
  assert.equal(g.spills, 0);
  assert.equal(g.backlogSamples, 0);
  assert.equal(g.shouldReplay(), false);
});

Deno.test("BacklogGate spills once posting would pass the high mark, then every batch", () => {
  const g = gate();
  for (let i = 0; i < 4; i++) assert.equal(g.push(BATCH), "post");
  assert.equal(g.push(BATCH), "spill", "the fifth unacknowledged batch passes 4 batches");
  assert.equal(g.spilling, true);
  assert.equal(g.spills, 1);
  g.ack(BATCH);
  // Still spilling with room below the high mark: order needs the journal first.
  assert.equal(g.push(BATCH), "spill");
  assert.deepEqual(g.toJSON(), {
    queuedSamples: 3 * BATCH,
    journaledSamples: 2 * BATCH,
    spilling: true,
    spills: 1,
    maxBacklogSamples: 5 * BATCH,
  });
});

Deno.test("BacklogGate asks for a replay only at the low mark and goes live after it", () => {
  const g = gate();
  for (let i = 0; i < 6; i++) g.push(BATCH);
  assert.equal(g.shouldReplay(), false);
  g.ack(2 * BATCH);
  assert.equal(g.shouldReplay(), false, "3 batches queued is above the low mark");
  g.ack(2 * BATCH);
  assert.equal(g.shouldReplay(), true);
  assert.equal(g.replay(), 2 * BATCH);
  assert.equal(g.spilling, false);
  assert.equal(g.queuedSamples, 2 * BATCH, "the replayed span is now queued at the encoder");
  assert.equal(g.journaledSamples, 0);
  assert.equal(g.push(BATCH), "post");
  g.ack(3 * BATCH);
  assert.equal(g.backlogSamples, 0);
});

Deno.test("BacklogGate counts a new spill episode when a large replay refills the queue", () => {
  const g = gate();
  for (let i = 0; i < 12; i++) g.push(BATCH); // 4 posted, 8 journaled
  g.ack(4 * BATCH);
  assert.equal(g.replay(), 8 * BATCH);
  assert.equal(g.push(BATCH), "spill", "8 batches queued again is above the high mark");
  assert.equal(g.spills, 2);
  g.ack(8 * BATCH);
  assert.equal(g.shouldReplay(), true);
  assert.equal(g.replay(), BATCH);
  g.ack(BATCH);
  assert.equal(g.backlogSamples, 0);
  assert.equal(g.toJSON().maxBacklogSamples, 12 * BATCH);
});

Deno.test("BacklogGate replay() at the end hands over the journal whatever the queue", () => {
  const g = gate();
  for (let i = 0; i < 7; i++) g.push(BATCH);
  assert.equal(g.shouldReplay(), false);
  assert.equal(g.replay(), 3 * BATCH);
  assert.equal(g.replay(), 0, "nothing left to replay");
});

Deno.test("backlogLimits() converts milliseconds and rejects a low mark above the high", () => {
  assert.deepEqual(backlogLimits(2000, 500), { highSamples: 16000, lowSamples: 4000 });
  assert.throws(() => backlogLimits(500, 2000), RangeError);
  assert.throws(() => backlogLimits(0, 0), RangeError);
  assert.throws(() => new BacklogGate({ highSamples: 1, lowSamples: 2 }), RangeError);
});

Deno.test("nextEpisode() starts once per spill episode and ends when journals are gone", () => {
  const enc = (spilling: number, journals: number, spills: number, journalErrors = 0) => ({
    spilling,
    journals,
    spills,
    journalErrors,
  });
  let state = { spills: 0, journalErrors: 0, open: false };
  const step = (...report: ReturnType<typeof enc>[]) => {
    const r = nextEpisode(state, report);
    state = r.state;
    return [r.started, r.ended, r.newErrors];
  };
  assert.deepEqual(step(enc(0, 0, 0), enc(0, 0, 0)), [false, false, 0]);
  assert.deepEqual(step(enc(1, 1, 1), enc(0, 0, 0)), [true, false, 0]);
  assert.deepEqual(step(enc(1, 1, 1), enc(2, 2, 2)), [false, false, 0], "still one episode");
  assert.deepEqual(step(enc(0, 1, 1), enc(0, 0, 2)), [false, false, 0], "a journal remains");
  assert.deepEqual(step(enc(0, 0, 1), enc(0, 0, 2)), [false, true, 0]);
  // A spill that began and ended between two reports still counts as an episode.
  assert.deepEqual(step(enc(0, 0, 2), enc(0, 0, 2)), [true, false, 0]);
  assert.deepEqual(step(enc(0, 0, 2, 3), enc(0, 0, 2)), [false, true, 3]);
});
