import assert from "node:assert/strict";
import { worstStreamMos } from "./recording_mos.ts";
import { estimateQuality } from "./quality.ts";

const stats = (expected: number, lost: number, jitterMs: number) =>
  JSON.stringify({ received: expected - lost, expected, lost, jitterMs });

Deno.test("worstStreamMos() is the worse leg's E-model MOS, rounded to 0.01", () => {
  const clean = estimateQuality({ codec: "PCMA", expected: 1000, lost: 0, jitterMs: 2 })!.mos;
  const lossy = estimateQuality({ codec: "PCMA", expected: 1000, lost: 50, jitterMs: 2 })!.mos;
  assert.ok(lossy < clean);
  assert.equal(
    worstStreamMos([{ codec: "PCMA", stats: stats(1000, 0, 2) }, {
      codec: "PCMA",
      stats: stats(1000, 50, 2),
    }]),
    Math.round(lossy * 100) / 100,
  );
});

Deno.test("worstStreamMos() skips streams without packets, stats or G.113 values", () => {
  assert.equal(worstStreamMos([]), null);
  assert.equal(worstStreamMos([{ codec: "PCMU", stats: "{}" }]), null);
  assert.equal(worstStreamMos([{ codec: "PCMU", stats: stats(0, 0, 0) }]), null);
  assert.equal(worstStreamMos([{ codec: "opus", stats: stats(100, 0, 1) }]), null);
  assert.equal(worstStreamMos([{ codec: "PCMU", stats: "not json" }]), null);
  const one = worstStreamMos([
    { codec: "opus", stats: stats(100, 50, 1) },
    { codec: "G729", stats: stats(500, 0, 1) },
  ]);
  assert.equal(one, 4.1, "G.729A without loss: R 82.2, MOS 4.1 (G.107 Annex B)");
});
