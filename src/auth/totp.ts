/**
 * TOTP second factors (RFC 6238 over RFC 4226 HOTP, via npm `otpauth`): 160-bit secrets
 * (RFC 4226 §4 R6), SHA-1, 6 digits, 30-second steps, one step of clock drift either way.
 * A match returns its time step; the caller stores the last accepted step and refuses
 * any code of that step or earlier, so a code is used once (RFC 6238 §5.2).
 *
 * Recovery codes: 10 random codes of 80 bits (16 base32 characters shown as four groups),
 * stored as SHA-256 of the normalized code. A fast hash is enough at that entropy.
 */
import { Secret, TOTP } from "otpauth";
import { renderSVG } from "uqr";
import { sha256Hex } from "./password.ts";

/** Seconds per TOTP time step. */
export const STEP_SECONDS = 30;
const DIGITS = 6;
/** Steps of clock drift accepted either side of now. */
const WINDOW = 1;
/** Recovery codes issued at enrolment. */
export const RECOVERY_CODE_COUNT = 10;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function totp(secretBase32: string, issuer = "selrec", label = "user"): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: STEP_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new random secret, base32 (RFC 4648), 160 bits. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app scans. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return totp(secretBase32, issuer, account).toString();
}

/** The URI as an SVG QR code (no script, no external resources). */
export function totpQrSvg(uri: string): string {
  return renderSVG(uri, { ecc: "M", border: 2 });
}

/** The time step of `nowMs`. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / STEP_SECONDS);
}

/** The code of a time step (for tests and the enrolment check). */
export function totpCode(secretBase32: string, step: number): string {
  return totp(secretBase32).generate({ timestamp: step * STEP_SECONDS * 1000 });
}

/**
 * The time step a 6-digit `code` matches at `nowMs` (± one step), or null. Anything that
 * is not six digits (spaces allowed) is null without a comparison.
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32).validate({ token, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : timeStep(nowMs) + delta;
}

/** A recovery code as shown: `ABCD-EFGH-JKLM-NPQR` style, 80 random bits. */
export function newRecoveryCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const chars = Array.from(bytes, (b) => BASE32[b & 31]).join("");
  return chars.match(/.{4}/g)!.join("-");
}

/** Upper case without separators, so `abcd efgh…` and `ABCD-EFGH…` hash alike. */
export function normalizeRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, "");
}

/** True when `code` has the shape of a recovery code (not a TOTP code). */
export function looksLikeRecoveryCode(code: string): boolean {
  return /^[A-Z2-7]{16}$/.test(normalizeRecoveryCode(code));
}

/** The stored form of a recovery code. */
export async function hashRecoveryCode(code: string): Promise<string> {
  return await sha256Hex(`selrec-recovery:${normalizeRecoveryCode(code)}`);
}

/** {@link RECOVERY_CODE_COUNT} new codes and their hashes. */
export async function newRecoveryCodes(): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}
