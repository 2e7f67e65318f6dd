import assert from "node:assert/strict";
import { OpusEncoderPool } from "./encoder_pool.ts";
import { createOpusEncoder } from "../codec/opus_encoder.ts";

const SETTINGS = {
  channels: 2 as const,
  sampleRate: 8000 as const,
  complexity: 0,
  frameMs: 20 as const,
};

function tone(frames: number): Int16Array[] {
  return Array.from({ length: frames }, (_, f) =>
    Int16Array.from(
      { length: 320 },
      (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 160 + (i >> 1))) / 8000)),
    ));
}

Deno.test("OpusEncoderPool gives a handed-back encoder to the next recording with the same settings", async () => {
  const pool = new OpusEncoderPool();
  const a = await pool.take(SETTINGS);
  pool.give(a);
  assert.equal(pool.idle, 1);
  assert.equal(await pool.take({ ...SETTINGS }), a);
  assert.notEqual(await pool.take({ ...SETTINGS, complexity: 5 }), a);
  assert.deepEqual({ created: pool.created, reused: pool.reused }, { created: 2, reused: 1 });
  pool.give(a);
  pool.give(a);
  assert.equal(pool.idle, 1);
});

Deno.test("OpusEncoderPool: a reused encoder codes the same packets as a new one", async () => {
  const pool = new OpusEncoderPool();
  const used = await pool.take(SETTINGS);
  for (const frame of tone(25).reverse()) used.encode(frame);
  pool.give(used);
  const reused = await pool.take(SETTINGS);
  const fresh = await createOpusEncoder(SETTINGS);
  for (const frame of tone(25)) assert.deepEqual(reused.encode(frame), fresh.encode(frame));
});

Deno.test("OpusEncoderPool keeps at most max idle encoders per settings", async () => {
  const pool = new OpusEncoderPool(2);
  const taken = await Promise.all([1, 2, 3].map(() => pool.take(SETTINGS)));
  taken.forEach((e) => pool.give(e));
  assert.equal(pool.idle, 2);
});
