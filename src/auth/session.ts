/**
 * Server-side web sessions. The cookie carries a random 256-bit token; the table stores
 * only its SHA-256, so a database leak yields no usable cookies. Every sign-in issues a
 * new token (session fixation), sign-out deletes the row, and a session ends after
 * `idleMs` without requests or `absoluteMs` after sign-in, whichever comes first.
 */
import type { Db } from "../store/db.ts";
import type { Session, User } from "../store/schema/users.ts";
import { randomToken, sha256Hex } from "./password.ts";
import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  insertSession,
  touchSession,
} from "../store/queries/sessions.ts";
import { findUserById } from "../store/queries/users.ts";

/** Cookie name under TLS: `__Host-` pins it to this host, path `/`, Secure. */
export const TLS_COOKIE = "__Host-selrec";
/** Cookie name over plain HTTP (development): browsers reject `__Host-` without Secure. */
export const PLAIN_COOKIE = "selrec_session";

/** The session cookie's name for a listener with or without TLS. */
export function sessionCookieName(tls: boolean): string {
  return tls ? TLS_COOKIE : PLAIN_COOKIE;
}

/** Timeouts and clock for {@link SessionStore}. */
export interface SessionOptions {
  idleMs: number;
  absoluteMs: number;
  now?: () => number;
}

/** A freshly issued session: `token` goes in the cookie, `csrfToken` in forms. */
export interface IssuedSession {
  token: string;
  id: string;
  csrfToken: string;
}

/** A live session with its user. */
export interface ResolvedSession {
  session: Session;
  user: User;
}

/** Creates, resolves and ends server-side sessions. */
export class SessionStore {
  #db: Db;
  #idleMs: number;
  #absoluteMs: number;
  #now: () => number;

  constructor(db: Db, options: SessionOptions) {
    if (!(options.idleMs > 0) || !(options.absoluteMs > 0)) {
      throw new RangeError(`Cannot create session store: timeouts must be positive`);
    }
    this.#db = db;
    this.#idleMs = options.idleMs;
    this.#absoluteMs = options.absoluteMs;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds the cookie may live (the absolute timeout). */
  get maxAgeSeconds(): number {
    return Math.floor(this.#absoluteMs / 1000);
  }

  /** Issues a new session for `userId`; pass `db` to join a transaction. */
  async create(
    userId: number,
    meta: { ip: string | null; userAgent: string | null },
    db: Db = this.#db,
  ): Promise<IssuedSession> {
    const token = randomToken(32);
    const id = await sha256Hex(token);
    const csrfToken = randomToken(32);
    await insertSession(db, {
      id,
      userId,
      csrfToken,
      now: new Date(this.#now()).toISOString(),
      ip: meta.ip,
      ua: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, id, csrfToken };
  }

  /**
   * Resolves a cookie token to a live session and its enabled user, refreshing the idle
   * timer. Expired sessions and sessions of disabled users (or directory users the
   * directory no longer grants) are deleted and yield null.
   */
  async resolve(token: string): Promise<ResolvedSession | null> {
    if (token.length < 20 || token.length > 100) return null;
    const id = await sha256Hex(token);
    const session = await findSession(this.#db, id);
    if (!session) return null;
    const now = this.#now();
    const idle = now - Date.parse(session.last_seen_at) >= this.#idleMs;
    const old = now - Date.parse(session.created_at) >= this.#absoluteMs;
    const user = await findUserById(this.#db, session.user_id);
    if (idle || old || !user || user.disabled === 1 || user.directory_denied === 1) {
      await deleteSession(this.#db, id);
      return null;
    }
    const ts = new Date(now).toISOString();
    await touchSession(this.#db, id, ts);
    return { session: { ...session, last_seen_at: ts }, user };
  }

  /** Ends a session by its cookie token; true when one existed. */
  async destroy(token: string): Promise<boolean> {
    return await deleteSession(this.#db, await sha256Hex(token));
  }

  /** Deletes every expired session; returns how many. */
  async sweep(): Promise<number> {
    const now = this.#now();
    return await deleteExpiredSessions(
      this.#db,
      new Date(now - this.#idleMs).toISOString(),
      new Date(now - this.#absoluteMs).toISOString(),
    );
  }
}
