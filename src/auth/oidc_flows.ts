/**
 * Sign-ins started at the provider and not yet back: per flow the `state`, `nonce` and
 * PKCE verifier (RFC 7636), kept server-side. The browser holds only a random flow id in
 * a short-lived HttpOnly, SameSite=Lax cookie, which binds the callback to the browser
 * that started the flow (no login CSRF). A flow is taken once: a replayed or second
 * callback finds nothing. Bounded: beyond `max` pending flows the oldest is dropped.
 */
import { randomToken } from "./password.ts";

/** How long a sign-in may stay at the provider. */
export const FLOW_MS = 10 * 60_000;

/** One pending sign-in. */
export interface PendingFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Local path to return to after sign-in. */
  next: string;
  startedAt: number;
}

/** Pending flows by flow id (the cookie's value). */
export class OidcFlows {
  #flows = new Map<string, PendingFlow>();
  #now: () => number;
  #max: number;

  constructor(now: () => number = Date.now, max = 10_000) {
    this.#now = now;
    this.#max = max;
  }

  /** Starts a flow: returns its id (for the cookie) and its secrets (for the request). */
  start(next: string): { id: string; flow: PendingFlow } {
    this.#sweep();
    while (this.#flows.size >= this.#max) {
      const oldest = this.#flows.keys().next().value;
      if (oldest === undefined) break;
      this.#flows.delete(oldest);
    }
    const flow: PendingFlow = {
      state: randomToken(24),
      nonce: randomToken(24),
      codeVerifier: randomToken(48),
      next,
      startedAt: this.#now(),
    };
    const id = randomToken(24);
    this.#flows.set(id, flow);
    return { id, flow };
  }

  /** Takes the flow `id` (once); null when unknown, already taken or expired. */
  take(id: string): PendingFlow | null {
    const flow = this.#flows.get(id);
    if (!flow) return null;
    this.#flows.delete(id);
    return this.#now() - flow.startedAt < FLOW_MS ? flow : null;
  }

  /** Pending flows (for tests and metrics). */
  get size(): number {
    return this.#flows.size;
  }

  #sweep(): void {
    const cutoff = this.#now() - FLOW_MS;
    for (const [id, f] of this.#flows) {
      if (f.startedAt > cutoff) break; // insertion order = start order
      this.#flows.delete(id);
    }
  }
}
