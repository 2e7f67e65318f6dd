/**
 * The storage policy as pure functions: for one recording's facts and a time, whether it
 * is due for archiving and whether (and where) it may be purged; and the clock guard that
 * suspends purging after a forward wall-clock jump. No I/O, no clock: callers pass `now`.
 *
 * Rules (issue 8):
 * - Legal hold blocks purge, indefinitely.
 * - With archiving configured (any target), nothing unarchived is ever purged.
 * - An expired, unarchived recording on a box without archiving loses its local copy and
 *   keeps a tombstone (`purged`).
 * - An expired, archived recording always leaves the box (tombstone, gone from the UI).
 *   `storage.purge.scope: box` (default) leaves its archive copy to the customer's own
 *   lifecycle; `everywhere` deletes the archive copy too.
 * - Expiry is `created + retentionClasses[class]`, else `created + purgeAfter`; a class the
 *   config does not know, or no purgeAfter, means "keep". A stored `expires_at` later than
 *   that wins (the recorder fixed it when the call ended; a policy never shortens it).
 */
import type { Config } from "../config.ts";
import { parseDuration } from "../duration.ts";
import type { RecordingState } from "../store/schema/recordings.ts";

/** One day in ms: the largest forward wall-clock step the clock guard lets through. */
export const MAX_CLOCK_JUMP_MS = 86_400_000;

/** The storage config with durations parsed, as the policy needs it. */
export interface PolicyConfig {
  /** Any archive target configured. */
  archiving: boolean;
  /** Age at which a recording is archived; 0 when `archiveAfter` is not set. */
  archiveAfterMs: number;
  purgeAfterMs: number | null;
  retentionMs: Record<string, number>;
  /** `storage.purge.scope`: whether a purge also deletes the archive copy. */
  purgeScope: "box" | "everywhere";
}

/** Builds a {@link PolicyConfig} from `config.storage`. */
export function policyConfig(storage: Config["storage"]): PolicyConfig {
  return {
    archiving: storage.targets.length > 0,
    archiveAfterMs: storage.archiveAfter ? parseDuration(storage.archiveAfter) : 0,
    purgeAfterMs: storage.purgeAfter ? parseDuration(storage.purgeAfter) : null,
    retentionMs: Object.fromEntries(
      Object.entries(storage.retentionClasses).map(([k, v]) => [k, parseDuration(v)]),
    ),
    purgeScope: storage.purge.scope,
  };
}

/** What the policy needs to know about one recording (times in ms since the epoch). */
export interface RecordingFacts {
  state: RecordingState;
  createdAt: number;
  retentionClass: string | null;
  legalHold: boolean;
  archived: boolean;
  /** The recording's stored `expires_at`, if any. */
  expiresAt?: number | null;
  /** False when the file has no recorded SHA-256 (it cannot be verified, so not archived). */
  hasHash?: boolean;
}

/**
 * What a purge does, or `none`: `local` removes the spool file, `box` only tombstones an
 * archived recording (its archive copy stays), `archive` deletes the archive copy too.
 */
export type PurgeAction = "none" | "local" | "box" | "archive";

/** The policy's verdict for one recording. */
export interface Verdict {
  archive: boolean;
  purge: PurgeAction;
  /** When the recording expires, or null for never. */
  expiresAt: number | null;
}

const LIVE: ReadonlySet<RecordingState> = new Set(["complete", "interrupted"]);

/** When the recording expires under `cfg`, or null when it is kept indefinitely. */
export function expiryOf(f: RecordingFacts, cfg: PolicyConfig): number | null {
  let keep: number | null;
  if (f.retentionClass !== null) {
    keep = Object.hasOwn(cfg.retentionMs, f.retentionClass)
      ? cfg.retentionMs[f.retentionClass]
      : null;
  } else keep = cfg.purgeAfterMs;
  if (keep === null) return null;
  return Math.max(f.createdAt + keep, f.expiresAt ?? -Infinity);
}

/**
 * Decides for one recording at `now`. `pressure` (spool past the high watermark) makes
 * every unarchived live recording due for archiving; `purgeSuspended` (clock guard) stops
 * every purge.
 */
export function decide(
  f: RecordingFacts,
  now: number,
  cfg: PolicyConfig,
  options: { pressure?: boolean; purgeSuspended?: boolean } = {},
): Verdict {
  const expiresAt = expiryOf(f, cfg);
  const live = LIVE.has(f.state);
  const archive = live && cfg.archiving && !f.archived && f.hasHash !== false &&
    (options.pressure === true || now - f.createdAt >= cfg.archiveAfterMs);
  let purge: PurgeAction = "none";
  if (live && !f.legalHold && !options.purgeSuspended && expiresAt !== null && now >= expiresAt) {
    if (f.archived) purge = cfg.purgeScope === "everywhere" ? "archive" : "box";
    else purge = cfg.archiving ? "none" : "local";
  }
  return { archive, purge, expiresAt };
}

/** The clock guard's verdict. */
export interface ClockCheck {
  ok: boolean;
  /** Unexplained forward step of the wall clock, in ms (negative for a backward step). */
  jumpMs: number;
}

/**
 * Compares the wall clock now with the last one seen (persisted). `monotonicElapsedMs` is
 * how much time a monotonic clock says passed since that observation, when the same
 * process made it; after a restart it is null and the whole gap counts (a box that was off
 * for more than a day must have its clock confirmed before it purges again).
 */
export function checkClock(
  lastSeenWall: number | null,
  nowWall: number,
  monotonicElapsedMs: number | null,
  maxJumpMs = MAX_CLOCK_JUMP_MS,
): ClockCheck {
  if (lastSeenWall === null) return { ok: true, jumpMs: 0 };
  const jumpMs = nowWall - lastSeenWall - (monotonicElapsedMs ?? 0);
  return { ok: jumpMs <= maxJumpMs, jumpMs };
}
