/**
 * One scrub run: re-reads the file of every finished recording (spool and archive
 * targets), in id order after a cursor, through the one verified read path
 * (recording_bytes.ts) with no cached verdict — a scrub is there to find bit rot that an
 * unchanged mtime hides. A failure is flagged, audited and alarmed like one found by a
 * read (integrity_failure.ts). A recording on an archive target marked unhealthy is
 * skipped (the storage loop owns target health); a file that is not there is reported as
 * missing, not flagged (an unmounted target looks the same).
 *
 * A hung mount must not hold the scrub forever: each recording's read (the path lookup
 * included) gives up after `stallMs` without progress (a chunk read, or time spent in the
 * I/O budget's wait counts as progress). The read itself cannot be cancelled — the
 * kernel holds its thread —, so its late result is dropped, and the rest of that
 * location is skipped for this run rather than leaving one stuck read per recording.
 */
import type { AuditInput } from "../audit/audit_log.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { countRecordingsToScrub, recordingsToScrub } from "../store/queries/integrity.ts";
import {
  type IntegrityHost,
  reportIntegrityFailure,
  reportIntegrityRestored,
} from "./integrity_failure.ts";
import { openRecordingBytes } from "./recording_bytes.ts";
import { rewrapLookup } from "./rewrap_window.ts";
import type { Db } from "../store/db.ts";
import { resolveInside } from "./resolve_file.ts";
import type { Keyring } from "../seal/keyring.ts";
import type { Recording } from "../store/schema/recordings.ts";

/** The audit actor of the background scrub. */
export const SCRUB_ACTOR: AuditInput["actor"] = { type: "system", name: "scrub" };

/** Options of {@link runScrub}. */
export interface ScrubOptions {
  /** Start after this recording id ("" = from the start). */
  afterId?: string;
  /** At most this many recordings (default: all). */
  limit?: number;
  /** Books each read's bytes and waits as the I/O budget requires. */
  throttle?: (bytes: number) => Promise<void>;
  actor?: AuditInput["actor"];
  /** Called after each recording, with the id to resume after. */
  onCursor?: (id: string) => Promise<void>;
  onProgress?: (p: { done: number; total: number; id: string; bytes: number }) => void;
  signal?: AbortSignal;
  /** Data keys of sealed recordings; without it a sealed one is skipped. */
  keyring?: Pick<Keyring, "unwrapFor"> | null;
  /** Give a read up after this long without progress (default {@link STALL_MS}). */
  stallMs?: number;
}

/** The default of {@link ScrubOptions.stallMs} (config `scrub.stallTimeout`). */
export const STALL_MS = 120_000;

/** One recording's outcome (ok ones are only counted). */
export interface ScrubItem {
  id: string;
  location: string;
  path: string;
  outcome: "failed" | "missing" | "skipped";
  detail: string;
}

/** What a run did. */
export interface ScrubResult {
  checked: number;
  ok: number;
  failed: number;
  missing: number;
  skipped: number;
  bytes: number;
  /** The last recording id handled (the cursor to resume after). */
  lastId: string | null;
  /** True when the run reached the last recording. */
  complete: boolean;
  items: ScrubItem[];
  /** Locations (names) whose read stalled; the rest of each was skipped this run. */
  stalled: string[];
}

/** A read made no progress for the stall limit (its location does not answer). */
class ReadStalled extends Error {}

const BATCH = 100;

type Outcome = { outcome: "ok"; bytes: number } | Omit<ScrubItem, "id" | "location" | "path">;

/**
 * Verifies every byte of the file: its digest, and for a sealed file also every chunk's
 * authentication, read in order (the reads a player makes do the same, chunk by chunk).
 */
async function verifyWhole(
  db: Db,
  rec: Recording,
  path: string,
  opts: ScrubOptions,
): Promise<number> {
  const unwrapFor = opts.keyring ? (p: string) => opts.keyring!.unwrapFor(p) : undefined;
  const rewraps = rewrapLookup(db);
  const bytes = await openRecordingBytes(rec, path, {
    throttle: opts.throttle,
    unwrapFor,
    rewraps,
  });
  if (rec.sealed) {
    for await (const chunk of bytes.stream(0, bytes.size)) await opts.throttle?.(chunk.length);
  }
  return bytes.size;
}

/**
 * Runs `read`, giving up with {@link ReadStalled} once it made no progress (`progress`
 * calls, or time inside the budget's wait) for `stallMs`, and at once when `signal`
 * aborts. A read given up on goes on unobserved; its late result or error is dropped.
 */
async function withStallLimit<T>(
  stallMs: number,
  signal: AbortSignal | undefined,
  read: (throttle: (bytes: number) => Promise<void>) => Promise<T>,
  budget?: (bytes: number) => Promise<void>,
): Promise<T> {
  let last = performance.now();
  let waiting = 0;
  const throttle = async (bytes: number) => {
    waiting++;
    try {
      await budget?.(bytes);
    } finally {
      waiting--;
      last = performance.now();
    }
  };
  const work = read(throttle);
  work.catch(() => {}); // dropped when the limit or the abort won
  let timer: ReturnType<typeof setInterval> | undefined;
  let onAbort = () => {};
  const limit = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (waiting > 0) last = performance.now();
      else if (performance.now() - last > stallMs) reject(new ReadStalled());
    }, Math.max(5, Math.min(1000, stallMs / 4)));
    onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

async function scrubOne(
  host: IntegrityHost,
  row: Awaited<ReturnType<typeof recordingsToScrub>>[number],
  opts: ScrubOptions,
  stalled: Set<number>,
): Promise<Outcome & { path: string }> {
  const { recording: rec, location: loc } = row;
  const display = `${loc.path}/${rec.path}`;
  if (loc.kind === "archive" && loc.healthy !== 1) {
    return {
      outcome: "skipped",
      path: display,
      detail: `archive target ${loc.name} is unavailable`,
    };
  }
  const stallMs = opts.stallMs ?? STALL_MS;
  const noAnswer = {
    outcome: "skipped" as const,
    path: display,
    detail: `${loc.name} did not answer a read for ${stallMs} ms; skipped for this run`,
  };
  if (stalled.has(loc.id)) return noAnswer;
  const found = { via: "scrub" as const, actor: opts.actor ?? SCRUB_ACTOR };
  let path: string | null = null;
  let size: number;
  try {
    size = await withStallLimit(stallMs, opts.signal, async (throttle) => {
      path = await resolveInside(loc.path, rec.path);
      return path === null ? -1 : await verifyWhole(host.db, rec, path, { ...opts, throttle });
    }, opts.throttle);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (err instanceof ReadStalled) {
      stalled.add(loc.id);
      return noAnswer;
    }
    path ??= display;
    if (err instanceof Deno.errors.NotFound) {
      return { outcome: "missing", path, detail: "the file is not there" };
    }
    if (!(err instanceof IntegrityError)) {
      return { outcome: "skipped", path, detail: `cannot read: ${(err as Error).message}` };
    }
    await reportIntegrityFailure(host, rec, err, found);
    return { outcome: "failed", path, detail: err.detail };
  }
  if (path === null || size < 0) {
    return { outcome: "missing", path: display, detail: "the file is not there" };
  }
  await reportIntegrityRestored(host, rec, found);
  return { outcome: "ok", bytes: size, path };
}

/**
 * Scrubs recordings after `opts.afterId`. Stops early (complete: false) at `limit` or
 * when `signal` aborts; the recording being read then is not counted and not passed to
 * `onCursor`, so a resumed run reads it again. Throws only for database errors.
 */
export async function runScrub(host: IntegrityHost, opts: ScrubOptions = {}): Promise<ScrubResult> {
  const r: ScrubResult = {
    checked: 0,
    ok: 0,
    failed: 0,
    missing: 0,
    skipped: 0,
    bytes: 0,
    lastId: null,
    complete: false,
    items: [],
    stalled: [],
  };
  const stalled = new Set<number>();
  const total = opts.onProgress ? await countRecordingsToScrub(host.db) : 0;
  const limit = opts.limit ?? Infinity;
  let after = opts.afterId ?? "";
  for (;;) {
    const batch = await recordingsToScrub(host.db, after, Math.min(BATCH, limit - r.checked));
    if (batch.length === 0) {
      r.complete = true;
      return r;
    }
    for (const row of batch) {
      if (opts.signal?.aborted) return r;
      let o: Awaited<ReturnType<typeof scrubOne>>;
      try {
        o = await scrubOne(host, row, opts, stalled);
        if (stalled.has(row.location.id) && !r.stalled.includes(row.location.name)) {
          r.stalled.push(row.location.name);
        }
      } catch (err) {
        if (opts.signal?.aborted) return r;
        throw err;
      }
      r.checked++;
      if (o.outcome === "ok") {
        r.ok++;
        r.bytes += o.bytes;
      } else {
        r[o.outcome]++;
        r.items.push({ id: row.recording.id, location: row.location.name, ...o });
      }
      after = r.lastId = row.recording.id;
      await opts.onCursor?.(after);
      opts.onProgress?.({ done: r.checked, total, id: after, bytes: r.bytes });
      if (r.checked >= limit) return r;
    }
  }
}
