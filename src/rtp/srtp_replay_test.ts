import assert from "node:assert/strict";
import {
  ESTIMATE_OK,
  ESTIMATE_REPLAY,
  ESTIMATE_TOO_OLD,
  SRTP_MAX_SSRCS,
  SRTP_REPLAY_WINDOW,
  SrtpReplayTable,
} from "./srtp_replay.ts";

/** Estimates and, when OK, commits; returns [outcome, ROC as uint32]. */
function receive(t: SrtpReplayTable, ssrc: number, seq: number): [number, number] {
  const r = t.estimate(ssrc, seq);
  const roc = t.roc >>> 0;
  if (r === ESTIMATE_OK) t.commit(ssrc, seq);
  return [r, roc];
}

Deno.test("SrtpReplayTable guesses ROC + 1 after the wrap and ROC for late packets from before it", () => {
  const t = new SrtpReplayTable();
  for (let s = 65_000; s < 65_536; s += 7) assert.deepEqual(receive(t, 1, s), [ESTIMATE_OK, 0]);
  assert.deepEqual(receive(t, 1, 3), [ESTIMATE_OK, 1], "after the wrap");
  assert.deepEqual(receive(t, 1, 65_530), [ESTIMATE_OK, 0], "late, before the wrap");
  assert.deepEqual(receive(t, 1, 65_530), [ESTIMATE_REPLAY, 0]);
  for (let s = 4; s < 40_000; s += 100) assert.deepEqual(receive(t, 1, s), [ESTIMATE_OK, 1]);
  assert.deepEqual(receive(t, 1, 30_000), [ESTIMATE_TOO_OLD, 1], "9904 behind the highest");
  assert.deepEqual(receive(t, 1, 65_535), [ESTIMATE_OK, 1], "ahead in the same cycle");
});

Deno.test("SrtpReplayTable keeps ROC 0 while the index is at most 2^15, as libsrtp does", () => {
  const t = new SrtpReplayTable();
  assert.deepEqual(receive(t, 9, 100), [ESTIMATE_OK, 0]);
  // Appendix A alone would guess ROC − 1 for 65500 here; libsrtp (and we) keep 0.
  assert.deepEqual(receive(t, 9, 65_500), [ESTIMATE_OK, 0]);
  assert.deepEqual(receive(t, 9, 200), [ESTIMATE_OK, 1], "now ahead of 65500: next cycle");
});

Deno.test("SrtpReplayTable window: the last 1024 indices are remembered, older ones refused", () => {
  const t = new SrtpReplayTable();
  const top = 5000;
  assert.deepEqual(receive(t, 2, top), [ESTIMATE_OK, 0]);
  assert.equal(t.estimate(2, top - (SRTP_REPLAY_WINDOW - 1)), ESTIMATE_OK);
  assert.equal(t.estimate(2, top - SRTP_REPLAY_WINDOW), ESTIMATE_TOO_OLD);
  for (const s of [top - 1, top - 31, top - 32, top - 33, top - 1023]) {
    assert.deepEqual(receive(t, 2, s), [ESTIMATE_OK, 0], `first ${s}`);
    assert.deepEqual(receive(t, 2, s), [ESTIMATE_REPLAY, 0], `again ${s}`);
  }
  // Moving forward by 40 keeps the marks, shifted: top − 33 is still seen.
  assert.deepEqual(receive(t, 2, top + 40), [ESTIMATE_OK, 0]);
  assert.equal(t.estimate(2, top - 33), ESTIMATE_REPLAY);
  assert.equal(t.estimate(2, top - 34), ESTIMATE_OK);
  assert.equal(t.estimate(2, top - 1023), ESTIMATE_TOO_OLD, "fell out of the window");
  assert.equal(t.estimate(2, top + 40), ESTIMATE_REPLAY);
});

Deno.test("SrtpReplayTable: estimate alone changes nothing (a failed tag leaves state)", () => {
  const t = new SrtpReplayTable();
  receive(t, 5, 10);
  for (let i = 0; i < 50; i++) t.estimate(5, 30_000 + i);
  t.estimate(6, 1);
  assert.equal(t.streams, 1);
  assert.deepEqual(receive(t, 5, 11), [ESTIMATE_OK, 0]);
  assert.deepEqual(receive(t, 5, 10), [ESTIMATE_REPLAY, 0]);
});

Deno.test("SrtpReplayTable tracks each SSRC on its own and lets the least recent one go when full", () => {
  const t = new SrtpReplayTable();
  for (let ssrc = 0; ssrc < SRTP_MAX_SSRCS; ssrc++) receive(t, 0x8000_0000 + ssrc, 100 + ssrc);
  assert.equal(t.streams, SRTP_MAX_SSRCS);
  for (let ssrc = 1; ssrc < SRTP_MAX_SSRCS; ssrc++) {
    assert.deepEqual(receive(t, 0x8000_0000 + ssrc, 100 + ssrc), [ESTIMATE_REPLAY, 0]);
    receive(t, 0x8000_0000 + ssrc, 101 + ssrc);
  }
  receive(t, 0xffff_ffff, 7); // takes the slot of SSRC 0x80000000, the least recent
  assert.equal(t.streams, SRTP_MAX_SSRCS);
  assert.deepEqual(receive(t, 0xffff_ffff, 7), [ESTIMATE_REPLAY, 0]);
  assert.deepEqual(receive(t, 0x8000_0001, 101), [ESTIMATE_REPLAY, 0], "kept");
  assert.deepEqual(receive(t, 0x8000_0000, 100), [ESTIMATE_OK, 0], "forgotten, new again");
});
