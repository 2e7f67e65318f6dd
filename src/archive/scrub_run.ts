/**
 * One scrub run: re-reads the file of every finished recording (spool and archive
 * targets), in id order after a cursor, through the one verified read path
 * (recording_bytes.ts) with no cached verdict — a scrub is there to find bit rot that an
 * unchanged mtime hides. A failure is flagged, audited and alarmed like one found by a
 * read (integrity_failure.ts). A recording on an archive target marked unhealthy is
 * skipped (the storage loop owns target health); a file that is not there is reported as
 * missing, not flagged (an unmounted target looks the same).
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
}

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
}

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

async function scrubOne(
  host: IntegrityHost,
  row: Awaited<ReturnType<typeof recordingsToScrub>>[number],
  opts: ScrubOptions,
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
  const path = await resolveInside(loc.path, rec.path);
  if (!path) return { outcome: "missing", path: display, detail: "the file is not there" };
  const found = { via: "scrub" as const, actor: opts.actor ?? SCRUB_ACTOR };
  let size: number;
  try {
    size = await verifyWhole(host.db, rec, path, opts);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if (err instanceof Deno.errors.NotFound) {
      return { outcome: "missing", path, detail: "the file is not there" };
    }
    if (!(err instanceof IntegrityError)) {
      return { outcome: "skipped", path, detail: `cannot read: ${(err as Error).message}` };
    }
    await reportIntegrityFailure(host, rec, err, found);
    return { outcome: "failed", path, detail: err.detail };
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
  };
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
        o = await scrubOne(host, row, opts);
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
