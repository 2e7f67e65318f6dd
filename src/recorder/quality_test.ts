import assert from "node:assert/strict";
import {
  CODEC_IMPAIRMENTS,
  codecImpairment,
  delayImpairment,
  effectiveIe,
  estimateQuality,
  mosFromR,
} from "./quality.ts";

const near = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

Deno.test("estimateQuality() gives G.711 at 0% loss and low jitter R 93.2, MOS 4.41", () => {
  const q = estimateQuality({ codec: "PCMA", expected: 1000, lost: 0, jitterMs: 2 })!;
  near(q.r, 93.2, 1e-9, "R");
  near(q.mos, 4.41, 0.005, "MOS");
  assert.equal(q.id, 0);
});

Deno.test("estimateQuality() gives G.711 with PLC at 2% random loss Ie,eff 7.0, R 86.2, MOS 4.24", () => {
  // Ie,eff = 95 · 2 / (2 + 25.1) = 7.01 (G.107 eq. 7-29, G.113 Appendix I Bpl 25.1)
  const q = estimateQuality({ codec: "PCMU", expected: 1000, lost: 20, jitterMs: 5 })!;
  near(q.ieEff, 7.01, 0.01, "Ie,eff");
  near(q.r, 86.19, 0.01, "R");
  near(q.mos, 4.24, 0.01, "MOS");
});

Deno.test("G.711 without PLC at 2% loss is much worse than with it (Bpl 4.3)", () => {
  const q = estimateQuality({ codec: "PCMU", expected: 100, lost: 2, jitterMs: 0, plc: false })!;
  // 95 · 2 / 6.3 = 30.16
  near(q.ieEff, 30.16, 0.01, "Ie,eff");
  near(q.mos, mosFromR(93.2 - 30.16), 0.001, "MOS");
  assert.ok(q.mos < 3.3);
});

Deno.test("estimateQuality() gives G.729A at 0% loss R 82.2, MOS 4.1", () => {
  const q = estimateQuality({ codec: "G729", expected: 500, lost: 0, jitterMs: 1 })!;
  near(q.r, 82.2, 1e-9, "R");
  near(q.mos, 4.10, 0.01, "MOS");
});

Deno.test("G.729A at 1% and 4% random loss follows eq. 7-29 with Bpl 19", () => {
  near(effectiveIe(CODEC_IMPAIRMENTS.g729a, 1), 11 + 84 / 20, 1e-9, "1%");
  near(effectiveIe(CODEC_IMPAIRMENTS.g729a, 4), 11 + 84 * 4 / 23, 1e-9, "4%");
  const q = estimateQuality({ codec: "G729", expected: 100, lost: 4, jitterMs: 0 })!;
  near(q.r, 93.2 - 11 - 84 * 4 / 23, 1e-9, "R");
});

Deno.test("mosFromR() follows G.107 Annex B and clamps", () => {
  assert.equal(mosFromR(-5), 1);
  assert.equal(mosFromR(120), 4.5);
  near(mosFromR(50), 2.58, 0.005, "R 50");
  near(mosFromR(70), 3.60, 0.005, "R 70");
  near(mosFromR(80), 4.02, 0.005, "R 80");
});

Deno.test("delayImpairment() is 0 up to 100 ms and grows with the delay", () => {
  assert.equal(delayImpairment(100), 0);
  assert.equal(delayImpairment(50), 0);
  near(delayImpairment(400), 24.1, 0.1, "Idd at 400 ms");
  assert.ok(delayImpairment(200) < delayImpairment(300));
});

Deno.test("large jitter lowers the estimate through the jitter buffer delay", () => {
  const calm = estimateQuality({ codec: "PCMA", expected: 100, lost: 0, jitterMs: 5 })!;
  const rough = estimateQuality({ codec: "PCMA", expected: 100, lost: 0, jitterMs: 120 })!;
  assert.equal(rough.delayMs, 20 + 240);
  assert.ok(rough.mos < calm.mos, `${rough.mos} < ${calm.mos}`);
});

Deno.test("codecImpairment() knows G.711 and G.729 only", () => {
  assert.equal(codecImpairment("pcma")?.bpl, 25.1);
  assert.equal(codecImpairment("G729")?.ie, 11);
  assert.equal(codecImpairment("opus"), null);
  assert.equal(estimateQuality({ codec: "G722", expected: 1, lost: 0, jitterMs: 0 }), null);
});
