/**
 * TOTP second factor for a user: enrolment (a pending secret confirmed by its first
 * code, which also issues the recovery codes) and verification of a code at sign-in —
 * a TOTP code of a time step not used before, or an unused recovery code. Secrets live
 * only in the database (table user_mfa) and are never logged.
 */
import type { Db } from "../store/db.ts";
import {
  acceptTotpStep,
  confirmMfa,
  findMfa,
  startMfaEnrolment,
  useRecoveryCode,
} from "../store/queries/mfa.ts";
import {
  hashRecoveryCode,
  looksLikeRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
} from "./totp.ts";

/** True when `role` must have a second factor (`auth.mfa.requiredRoles`). */
export function mfaRequired(role: string | null, requiredRoles: readonly string[]): boolean {
  return role !== null && requiredRoles.includes(role);
}

/** The result of checking a second-factor code. */
export type SecondFactorCheck =
  | { ok: true; method: "totp" | "recovery" }
  | { ok: false; why: "not enrolled" | "wrong code" | "code already used" };

/**
 * Checks `code` for `userId` at `nowMs`: a recovery code is marked used, a TOTP code's
 * step is stored so it (and earlier ones) cannot be used again — both in one statement,
 * so parallel requests cannot use one code twice.
 */
export async function verifySecondFactor(
  db: Db,
  userId: number,
  code: string,
  nowMs: number,
): Promise<SecondFactorCheck> {
  const mfa = await findMfa(db, userId);
  if (!mfa || mfa.confirmed_at === null) return { ok: false, why: "not enrolled" };
  if (looksLikeRecoveryCode(code)) {
    const used = await useRecoveryCode(
      db,
      userId,
      await hashRecoveryCode(code),
      new Date(nowMs).toISOString(),
    );
    return used ? { ok: true, method: "recovery" } : { ok: false, why: "wrong code" };
  }
  const step = matchTotp(mfa.secret, code, nowMs);
  if (step === null) return { ok: false, why: "wrong code" };
  if (!(await acceptTotpStep(db, userId, step))) return { ok: false, why: "code already used" };
  return { ok: true, method: "totp" };
}

/** Starts enrolment: a new pending secret, or null when a confirmed factor exists. */
export async function beginEnrolment(
  db: Db,
  userId: number,
  nowMs: number,
): Promise<string | null> {
  const secret = newTotpSecret();
  const ok = await startMfaEnrolment(db, userId, secret, new Date(nowMs).toISOString());
  return ok ? secret : null;
}

/**
 * Confirms the pending enrolment with its first `code`; returns the recovery codes (shown
 * once) or why it failed. Pass a transaction as `db` to commit with an audit entry.
 */
export async function confirmEnrolment(
  db: Db,
  userId: number,
  code: string,
  nowMs: number,
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; why: string }> {
  const mfa = await findMfa(db, userId);
  if (!mfa || mfa.confirmed_at !== null) return { ok: false, why: "no enrolment is pending" };
  const step = matchTotp(mfa.secret, code, nowMs);
  if (step === null) return { ok: false, why: "the code does not match; check the app's clock" };
  const { codes, hashes } = await newRecoveryCodes();
  const done = await confirmMfa(db, userId, step, hashes, new Date(nowMs).toISOString());
  return done ? { ok: true, recoveryCodes: codes } : { ok: false, why: "no enrolment is pending" };
}
