/**
 * Password sign-in with lockout that attackers cannot turn against users.
 *
 * - Per IP ({@link LoginGuard}): after a few failures an address must back off
 *   exponentially; throttled attempts are refused before any password check.
 * - Per account (users.failed_logins / locked_until): `threshold` failures lock the
 *   account for `lockoutMs`. Each attempt is counted before its password is hashed, in
 *   one statement, and a failure locks from the counter in one statement, so parallel
 *   attempts count; attempts beyond the threshold are refused like a lock. The lock applies only to addresses that are *unfamiliar* to
 *   the account — those without a successful sign-in of that user in the audit trail in
 *   the last 30 days. So an attacker elsewhere can lock the account against themselves and
 *   other strangers, but the user signing in from their usual desk is not locked out; a
 *   guesser at that desk is still slowed by the per-IP backoff.
 * - Unknown users, disabled users, locks and wrong passwords all answer the same
 *   "invalid" result after the same PBKDF2 work, so sign-in does not reveal which it was.
 *
 * Success and failure are audited (`auth.sign_in`); the session row and its audit entry
 * commit together, so a failed audit write fails the sign-in.
 */
import type { Db } from "../store/db.ts";
import { findUser } from "../store/queries/users.ts";
import type { User } from "../store/schema/users.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import type { LoginGuard } from "./login_guard.ts";
import type { IssuedSession, SessionStore } from "./session.ts";
import type { RefusalLimiter } from "../audit/refusal_limiter.ts";
import type { DirectoryAccess } from "./directory_access.ts";
import { MfaChallenges } from "./mfa_challenge.ts";
import { verifySecondFactor } from "./mfa.ts";
import { hasConfirmedMfa } from "../store/queries/mfa.ts";
import { findUserById } from "../store/queries/users.ts";
import {
  clearSignInAttempts,
  failSignInAttempt,
  reserveSignInAttempt,
  signedInFromSince,
} from "../store/queries/sign_in_attempts.ts";

/** How long an address stays familiar after a successful sign-in. */
export const FAMILIAR_MS = 30 * 86_400_000;

/** Settings and collaborators of {@link Authenticator}. */
export interface AuthenticatorOptions {
  db: Db;
  audit: AuditLog;
  sessions: SessionStore;
  guard: LoginGuard;
  threshold: number;
  lockoutMs: number;
  now?: () => number;
  /** Hash verified for unknown users so timing matches; built lazily when absent. */
  dummyHash?: string;
  /** Bounds the audit rows of throttled attempts per address (all are written without). */
  refusals?: RefusalLimiter;
  /** Directory sign-in (`auth.ldap`); absent = local accounts only. */
  directory?: DirectoryAccess;
}

/** The outcome of a sign-in attempt. */
export type SignInResult =
  | { ok: true; user: User; session: IssuedSession }
  | { ok: "second-factor"; user: User; challenge: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "unavailable" | "denied"; message: string }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** The outcome of entering the second-factor code. */
export type SecondFactorResult =
  | { ok: true; user: User; session: IssuedSession }
  | { ok: false; reason: "expired" }
  | { ok: false; reason: "invalid"; why: string; retry: boolean }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** Checks passwords (local or directory) and second factors, counts failures, issues sessions. */
export class Authenticator {
  #o: AuthenticatorOptions;
  #now: () => number;
  #dummy: Promise<string> | undefined;
  #challenges: MfaChallenges;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#challenges = new MfaChallenges(this.#now);
    if (options.dummyHash) this.#dummy = Promise.resolve(options.dummyHash);
  }

  /** Directory sign-in and re-checks, when configured. */
  get directory(): DirectoryAccess | undefined {
    return this.#o.directory;
  }

  #dummyHash(): Promise<string> {
    this.#dummy ??= hashPassword(crypto.randomUUID());
    return this.#dummy;
  }

  async #familiar(user: User, ip: string): Promise<boolean> {
    const since = new Date(this.#now() - FAMILIAR_MS).toISOString();
    return await signedInFromSince(this.#o.db, user.username, ip, since);
  }

  async #fail(user: User | undefined, username: string, ip: string, why: string) {
    const iso = new Date(this.#now()).toISOString();
    await this.#o.db.transaction().execute(async (tx) => {
      let lockedUntil: string | null = null;
      if (user && why === "password") {
        const until = new Date(this.#now() + this.#o.lockoutMs).toISOString();
        lockedUntil = await failSignInAttempt(tx, user.id, this.#o.threshold, until);
      }
      await this.#o.audit.append({
        actor: { type: "user", id: user?.id ?? null, name: username.slice(0, 100) },
        action: "auth.sign_in",
        outcome: why === "locked" ? "denied" : "failed",
        ip,
        details: { why, at: iso, ...(lockedUntil ? { lockedUntil } : {}) },
      }, tx);
    });
  }

  /** A throttled attempt: audited `auth.sign_in` denied, at most a burst per address. */
  async #throttled(username: string, ip: string, wait: number): Promise<SignInResult> {
    const retryAfterSeconds = Math.ceil(wait / 1000);
    const admit = this.#o.refusals?.admit(`sign-in:${ip}`) ?? { write: true, suppressed: 0 };
    if (admit.write) {
      await this.#o.audit.append({
        actor: { type: "user", id: null, name: username.slice(0, 100) },
        action: "auth.sign_in",
        outcome: "denied",
        ip,
        details: { why: "throttled", retryAfterSeconds, suppressed: admit.suppressed },
      });
    }
    return { ok: false, reason: "throttled", retryAfterSeconds };
  }

  /**
   * Attempts a sign-in from `ip`; on success the caller sets the cookie. The attempt is
   * counted per address and per account *before* the password is hashed, so parallel
   * attempts cannot all pass the throttle and lock checks (see login_guard.ts and
   * sign_in_attempts.ts).
   */
  async signIn(
    username: string,
    password: string,
    meta: { ip: string; userAgent: string | null },
  ): Promise<SignInResult> {
    const { ip } = meta;
    const wait = this.#o.guard.attempt(ip);
    if (wait > 0) return await this.#throttled(username, ip, wait);
    const user = username.length > 0 && username.length <= 100
      ? await findUser(this.#o.db, username)
      : undefined;
    // Local accounts (break-glass admins among them) never ask the directory.
    if (this.#o.directory && username.length > 0 && (!user || user.source === "ldap")) {
      return await this.#directorySignIn(this.#o.directory, username, password, user, meta);
    }
    if (!user || user.disabled === 1 || user.source !== "local") {
      await verifyPassword(password, await this.#dummyHash());
      await this.#fail(user, username, ip, user ? "disabled" : "unknown user");
      return { ok: false, reason: "invalid" };
    }
    const nowIso = new Date(this.#now()).toISOString();
    const reserved = await reserveSignInAttempt(this.#o.db, user.id, nowIso);
    const locked = reserved?.lockedUntil != null && reserved.lockedUntil > nowIso;
    // More attempts in flight or failed than the threshold allows: refused like a lock,
    // so parallel guesses get no more password checks than sequential ones.
    const over = (reserved?.attempts ?? Infinity) > this.#o.threshold;
    if ((locked || over) && !(await this.#familiar(user, ip))) {
      await verifyPassword(password, await this.#dummyHash());
      await this.#fail(user, username, ip, "locked");
      return { ok: false, reason: "invalid" };
    }
    if (!(await verifyPassword(password, user.password_hash))) {
      await this.#fail(user, username, ip, "password");
      return { ok: false, reason: "invalid" };
    }
    return await this.#firstFactorPassed(user, meta, "password");
  }

  async #directorySignIn(
    directory: DirectoryAccess,
    username: string,
    password: string,
    known: User | undefined,
    meta: { ip: string; userAgent: string | null },
  ): Promise<SignInResult> {
    if (known?.disabled === 1) {
      await this.#fail(known, username, meta.ip, "disabled");
      return { ok: false, reason: "invalid" };
    }
    const out = await directory.signIn(username, password, meta.ip);
    if (out.kind === "invalid") {
      await this.#fail(known, username, meta.ip, "directory credentials");
      return { ok: false, reason: "invalid" };
    }
    if (out.kind === "unavailable") {
      return {
        ok: false,
        reason: "unavailable",
        message: `The directory (${directory.url}) cannot be reached, so directory accounts ` +
          "cannot sign in now. Try again later; local accounts still work.",
      };
    }
    if (out.kind === "denied") return { ok: false, reason: "denied", message: out.why };
    if (out.user.disabled === 1) {
      await this.#fail(out.user, username, meta.ip, "disabled");
      return { ok: false, reason: "invalid" };
    }
    return await this.#firstFactorPassed(out.user, meta, "ldap");
  }

  /** The password was right: a session, or a challenge when the user has a second factor. */
  async #firstFactorPassed(
    user: User,
    meta: { ip: string; userAgent: string | null },
    via: string,
  ): Promise<SignInResult> {
    if (user.source === "local") await clearSignInAttempts(this.#o.db, user.id);
    if (await hasConfirmedMfa(this.#o.db, user.id)) {
      return { ok: "second-factor", user, challenge: this.#challenges.issue(user.id, via) };
    }
    return { ok: true, user, session: await this.#issue(user, meta, { via, mfa: false }) };
  }

  async #issue(
    user: User,
    meta: { ip: string; userAgent: string | null },
    details: Record<string, unknown>,
  ): Promise<IssuedSession> {
    this.#o.guard.succeeded(meta.ip);
    return await this.#o.db.transaction().execute(async (tx) => {
      const issued = await this.#o.sessions.create(user.id, meta, tx);
      await this.#o.audit.append({
        actor: { type: "user", id: user.id, name: user.username },
        action: "auth.sign_in",
        ip: meta.ip,
        details,
      }, tx);
      return issued;
    });
  }

  /**
   * The second step of a sign-in with MFA: `code` (TOTP or recovery code) for the
   * challenge `token`. Wrong and reused codes are audited (`auth.mfa`); after
   * {@link MAX_CODE_ATTEMPTS} the password must be entered again.
   */
  async secondFactor(
    token: string,
    code: string,
    meta: { ip: string; userAgent: string | null },
  ): Promise<SecondFactorResult> {
    const wait = this.#o.guard.attempt(meta.ip);
    if (wait > 0) {
      return { ok: false, reason: "throttled", retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    const pending = this.#challenges.get(token);
    if (!pending) return { ok: false, reason: "expired" };
    const user = await findUserById(this.#o.db, pending.userId);
    if (!user || user.disabled === 1 || user.directory_denied === 1) {
      this.#challenges.drop(token);
      return { ok: false, reason: "expired" };
    }
    const check = await verifySecondFactor(this.#o.db, user.id, code, this.#now());
    if (!check.ok) {
      const retry = this.#challenges.fail(token);
      await this.#o.audit.append({
        actor: { type: "user", id: user.id, name: user.username },
        action: "auth.mfa",
        outcome: "failed",
        ip: meta.ip,
        details: { why: check.why, retry },
      });
      return { ok: false, reason: "invalid", why: check.why, retry };
    }
    this.#challenges.drop(token);
    const session = await this.#issue(user, meta, { via: pending.via, mfa: check.method });
    return { ok: true, user, session };
  }
}
