/**
 * The mutual exclusion of the archive loop (in `serve`) and the key commands (their own
 * processes) on one recording: each holds the recording's claim (recording_claims, one
 * atomic statement) around its read-convert-switch window and reads the row again once it
 * holds it, so neither acts on a row the other is about to change. A claim whose process
 * is gone (kill -9, power cut: the pid is not running, or is a zombie) or that expired is
 * taken over; a live holder's claim makes the other side skip the recording this time.
 *
 * @module
 */
import type { Db } from "../store/db.ts";
import { claimOf, releaseClaim, takeClaim } from "../store/queries/recording_claims.ts";

/** How long a claim lasts without its holder (a hung live holder stops blocking then). */
export const CLAIM_TTL_MS = 30 * 60_000;

/** One run's identity for its claims. */
export interface Claimer {
  holder: string;
  pid: number;
  purpose: string;
  now: () => number;
  ttlMs: number;
}

/** A claimer for one run (a token of its own, this process's pid). */
export function newClaimer(purpose: string, now: () => number = Date.now): Claimer {
  return {
    holder: `${purpose}:${Deno.pid}:${crypto.randomUUID()}`,
    pid: Deno.pid,
    purpose,
    now,
    ttlMs: CLAIM_TTL_MS,
  };
}

/** True when process `pid` runs on this host (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Takes recording `id`'s claim; false while another live holder has it. */
export async function claimRecording(db: Db, c: Claimer, id: string): Promise<boolean> {
  const t = c.now();
  const input = {
    recordingId: id,
    holder: c.holder,
    pid: c.pid,
    purpose: c.purpose,
    now: new Date(t).toISOString(),
    expiresAt: new Date(t + c.ttlMs).toISOString(),
  };
  if (await takeClaim(db, input)) return true;
  const held = await claimOf(db, id);
  if (!held) return await takeClaim(db, input); // released meanwhile
  if (held.pid === c.pid || processAlive(held.pid)) return false;
  return await takeClaim(db, { ...input, staleHolder: held.holder });
}

/**
 * Runs `work` holding recording `id`'s claim and gives it back after; `busy()` (without
 * running `work`) when another live holder has it.
 */
export async function withClaim<T>(
  db: Db,
  c: Claimer,
  id: string,
  work: () => Promise<T>,
  busy: (holder: string) => T,
): Promise<T> {
  if (!(await claimRecording(db, c, id))) {
    return busy((await claimOf(db, id))?.purpose ?? "another run");
  }
  try {
    return await work();
  } finally {
    await releaseClaim(db, id, c.holder);
  }
}
