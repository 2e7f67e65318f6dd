/**
 * Startup recovery sweep. After a crash or power loss:
 *  - recordings left `recording` are cut at their last valid page (CRC checked),
 *    closed properly and marked `interrupted` — still playable;
 *  - a recording whose final file exists (crash between rename and DB update) is
 *    hashed and marked complete;
 *  - rows whose file is gone are flagged `missing`;
 *  - `.partial` files no row knows (orphans) are recovered and adopted;
 *  - spill journals (`<final>.journal`, see spill_journal.ts) are handled first: each
 *    is kept as `<final>.journal.wav`, a playable stereo µ-law WAV, and logged; the raw
 *    journal is removed only once that WAV is synced. A journal is never just deleted:
 *    the encoder removes it after a normal finish, so one still here may hold audio the
 *    file lacks, even beside a final file (a file closed by recovery after a disk-full
 *    or a crash looks finished too).
 */
import { join, relative } from "node:path";
import { type FinishedRecording, recoverPartial } from "../codec/recording_file.ts";
import { sha256File } from "../codec/_durable_file.ts";
import type { Db } from "../store/db.ts";
import {
  adoptOrphan,
  closeCompleted,
  closeInterrupted,
  markMissing,
  unfinishedRecordings,
} from "../store/queries/recording_recovery.ts";
import type { Logger } from "../log.ts";
import { JOURNAL_SUFFIX, salvageJournal } from "./spill_journal.ts";
import type { Keyring } from "../seal/keyring.ts";
import { markSealed } from "../store/queries/recording_keys.ts";
import {
  isSealedFile,
  recoverSealedPartial,
  sealedJournalIo,
  sealedKeyId,
} from "./sealed_recovery.ts";

/** What the sweep did. */
export interface RecoveryReport {
  interrupted: number;
  completed: number;
  missing: number;
  adopted: number;
  failed: number;
  /** Spill journals kept as `<final>.journal.wav` (every spilled span of the call). */
  journalsKept: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function* filesEnding(dir: string, suffix: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* filesEnding(p, suffix);
    else if (e.isFile && e.name.endsWith(suffix)) yield p;
  }
}

/** A `.partial`, plain or sealed (encryption at rest: sealed_recovery.ts), closed. */
async function recoverFile(
  partial: string,
  keyring: Keyring | null,
): Promise<FinishedRecording> {
  if (!(await isSealedFile(partial))) return await recoverPartial(partial);
  return await recoverSealedPartial(partial, keyring);
}

/**
 * Runs the sweep over the spool; safe to run again (idempotent). Sealed files need the
 * `keyring` (without it they fail and are logged, and stay for the next start).
 */
export async function recoverySweep(
  db: Db,
  spoolDir: string,
  spoolId: number,
  log: Logger,
  now = new Date(),
  keyring: Keyring | null = null,
): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    interrupted: 0,
    completed: 0,
    missing: 0,
    adopted: 0,
    failed: 0,
    journalsKept: 0,
  };
  // Before the partials: recovering a .partial renames it to the final name, after
  // which a finished recording and an interrupted one would look alike.
  await sweepJournals(spoolDir, log, report, keyring);
  const open = await unfinishedRecordings(db, spoolId);
  const known = new Set<string>();
  for (const r of open) {
    const full = join(spoolDir, r.path);
    known.add(`${full}.partial`);
    try {
      if (await exists(`${full}.partial`)) {
        await closeInterrupted(db, r.id, await recoverFile(`${full}.partial`, keyring), now);
        report.interrupted++;
      } else if (await exists(full)) {
        const { size } = await Deno.stat(full);
        await closeCompleted(db, r.id, { bytes: size, sha256: await sha256File(full) }, now);
        report.completed++;
      } else {
        await markMissing(db, r.id, now);
        report.missing++;
      }
    } catch (err) {
      report.failed++;
      log.error("recovery of a recording failed", { recording: r.id, error: err });
    }
  }
  for await (const p of filesEnding(spoolDir, ".partial")) {
    if (known.has(p)) continue;
    try {
      const done = await recoverFile(p, keyring);
      const rel = relative(spoolDir, done.path);
      const id = await adoptOrphan(db, {
        stem: rel.replace(/\.(ogg|wav)$/, "").split("/").pop()!,
        path: rel,
        format: rel.endsWith(".wav") ? "wav" : "opus",
        spoolId,
        file: done,
        at: now,
      });
      const keyId = await sealedKeyId(done.path);
      if (keyId) await markSealed(db, id, keyId);
      report.adopted++;
    } catch (err) {
      report.failed++;
      log.error("cannot recover orphan partial file", { path: p, error: err });
    }
  }
  if (Object.values(report).some((n) => n > 0)) log.warn("recovery sweep", { ...report });
  return report;
}

async function sweepJournals(
  spoolDir: string,
  log: Logger,
  report: RecoveryReport,
  keyring: Keyring | null,
): Promise<void> {
  for await (const journal of filesEnding(spoolDir, JOURNAL_SUFFIX)) {
    const final = journal.slice(0, -JOURNAL_SUFFIX.length);
    try {
      const kept = await salvageJournal(journal, sealedJournalIo(keyring));
      report.journalsKept++;
      log.warn("spill journal of an unfinished recording kept beside it", {
        recording: relative(spoolDir, final),
        journal: relative(spoolDir, kept.path),
        durationMs: kept.durationMs,
      });
    } catch (err) {
      report.failed++;
      log.error("cannot recover a spill journal", { path: journal, error: err });
    }
  }
}
