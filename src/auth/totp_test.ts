import assert from "node:assert/strict";
import fc from "fast-check";
import {
  hashRecoveryCode,
  looksLikeRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  STEP_SECONDS,
  timeStep,
  totpCode,
  totpQrSvg,
  totpUri,
} from "./totp.ts";

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890" in base32, 8-digit vectors;
// our codes are the last 6 digits (RFC 4226 §5.3 truncation modulo 10^6).
const RFC_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

Deno.test("totpCode() matches the RFC 6238 Appendix B SHA-1 vectors (6 digits)", () => {
  const vectors: [number, string][] = [
    [59, "287082"],
    [1111111109, "081804"],
    [1111111111, "050471"],
    [1234567890, "005924"],
    [2000000000, "279037"],
  ];
  for (const [t, code] of vectors) {
    assert.equal(totpCode(RFC_SEED, timeStep(t * 1000)), code, `T=${t}`);
  }
});

Deno.test("matchTotp() returns the step of the code within one step of drift, else null", () => {
  const secret = newTotpSecret();
  const now = Date.parse("2026-03-01T10:00:10Z");
  const step = timeStep(now);
  assert.equal(matchTotp(secret, totpCode(secret, step), now), step);
  assert.equal(matchTotp(secret, totpCode(secret, step - 1), now), step - 1);
  assert.equal(matchTotp(secret, totpCode(secret, step + 1), now), step + 1);
  assert.equal(matchTotp(secret, totpCode(secret, step - 3), now), null);
  assert.equal(matchTotp(secret, "12345", now), null);
  assert.equal(matchTotp(secret, "abcdef", now), null);
  const spaced = totpCode(secret, step).replace(/^(\d{3})/, "$1 ");
  assert.equal(matchTotp(secret, spaced, now), step);
});

Deno.test("matchTotp() never throws on arbitrary input and accepts only six digits", () => {
  const secret = newTotpSecret();
  fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: 4e12 }), (code, now) => {
    const m = matchTotp(secret, code, now);
    if (m !== null) {
      assert.match(code.replace(/\s+/g, ""), /^\d{6}$/);
      assert.ok(Math.abs(m - Math.floor(now / 1000 / STEP_SECONDS)) <= 1);
    }
  }));
});

Deno.test("totpUri() and totpQrSvg() carry issuer, account and secret; the SVG has no script", () => {
  const secret = newTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const uri = totpUri(secret, "selrec", "alice");
  assert.match(uri, /^otpauth:\/\/totp\/selrec:alice\?/);
  assert.ok(uri.includes(`secret=${secret}`));
  const svg = totpQrSvg(uri);
  assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
  assert.doesNotMatch(svg, /<script|href=/i);
});

Deno.test("recovery codes: 10 distinct codes, hashes ignore case and dashes", async () => {
  const { codes, hashes } = await newRecoveryCodes();
  assert.equal(new Set(codes).size, 10);
  assert.equal(new Set(hashes).size, 10);
  for (const c of codes) {
    assert.match(c, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    assert.ok(looksLikeRecoveryCode(c));
  }
  assert.equal(await hashRecoveryCode(codes[0].toLowerCase().replaceAll("-", " ")), hashes[0]);
  assert.equal(looksLikeRecoveryCode("123456"), false);
});
