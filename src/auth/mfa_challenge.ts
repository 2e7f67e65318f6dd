/**
 * Sign-ins waiting for their second factor: the password (or directory bind) was right,
 * the code is still to come. Each gets a random token (kept in a short-lived cookie),
 * lives {@link CHALLENGE_MS}, and allows {@link MAX_CODE_ATTEMPTS} codes; held in memory
 * (a restart only means entering the password again), bounded in number.
 */
import { randomToken } from "./password.ts";

/** How long a password stays good for entering the code. */
export const CHALLENGE_MS = 5 * 60_000;
/** Wrong codes per challenge before the password must be entered again. */
export const MAX_CODE_ATTEMPTS = 5;
const MAX_PENDING = 10_000;

/** A pending second factor. */
export interface PendingSignIn {
  userId: number;
  /** How the first factor was checked (`password`, `ldap`). */
  via: string;
  expiresAt: number;
  attempts: number;
}

/** The pending second factors of one web app. */
export class MfaChallenges {
  #pending = new Map<string, PendingSignIn>();
  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Issues a challenge for `userId`; returns its token. */
  issue(userId: number, via: string): string {
    this.#sweep();
    if (this.#pending.size >= MAX_PENDING) {
      this.#pending.delete(this.#pending.keys().next().value!);
    }
    const token = randomToken(32);
    this.#pending.set(token, { userId, via, expiresAt: this.#now() + CHALLENGE_MS, attempts: 0 });
    return token;
  }

  /** The live challenge of `token`, or null (unknown, expired, used up). */
  get(token: string): PendingSignIn | null {
    const p = this.#pending.get(token);
    if (!p) return null;
    if (p.expiresAt <= this.#now()) {
      this.#pending.delete(token);
      return null;
    }
    return p;
  }

  /** Counts a wrong code; returns true while more attempts are left. */
  fail(token: string): boolean {
    const p = this.#pending.get(token);
    if (!p) return false;
    p.attempts++;
    if (p.attempts < MAX_CODE_ATTEMPTS) return true;
    this.#pending.delete(token);
    return false;
  }

  /** Ends a challenge (used). */
  drop(token: string): void {
    this.#pending.delete(token);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(k);
  }
}
