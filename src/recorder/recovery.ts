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
import { recoverPartial } from "../codec/recording_file.ts";
import { sha256File } from "../codec/_durable_file.ts";
import type { Db } from "../store/db.ts";
import type { Logger } from "../log.ts";
import { JOURNAL_SUFFIX, salvageJournal } from "./spill_journal.ts";

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

/** Runs the sweep over the spool; safe to run again (idempotent). */
export async function recoverySweep(
  db: Db,
  spoolDir: string,
  spoolId: number,
  log: Logger,
  now = new Date(),
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
  await sweepJournals(spoolDir, log, report);
  const open = await db.selectFrom("recordings").select(["id", "path"]).where(
    "state",
    "=",
    "recording",
  ).where("storage_location_id", "=", spoolId).execute();
  const known = new Set<string>();
  for (const r of open) {
    const full = join(spoolDir, r.path);
    known.add(`${full}.partial`);
    try {
      if (await exists(`${full}.partial`)) {
        const done = await recoverPartial(`${full}.partial`);
        await db.updateTable("recordings").set({
          state: "interrupted",
          flag_interrupted: 1,
          ended_at: now.toISOString(),
          duration_ms: Math.round(done.durationMs),
          size_bytes: done.bytes,
          sha256: done.sha256,
        }).where("id", "=", r.id).execute();
        report.interrupted++;
      } else if (await exists(full)) {
        const { size } = await Deno.stat(full);
        await db.updateTable("recordings").set({
          state: "complete",
          ended_at: now.toISOString(),
          size_bytes: size,
          sha256: await sha256File(full),
        }).where("id", "=", r.id).execute();
        report.completed++;
      } else {
        await db.updateTable("recordings").set({ state: "missing", ended_at: now.toISOString() })
          .where("id", "=", r.id).execute();
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
      const done = await recoverPartial(p);
      await adopt(db, spoolId, relative(spoolDir, done.path), done, now);
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
): Promise<void> {
  for await (const journal of filesEnding(spoolDir, JOURNAL_SUFFIX)) {
    const final = journal.slice(0, -JOURNAL_SUFFIX.length);
    try {
      const kept = await salvageJournal(journal);
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

async function adopt(
  db: Db,
  spoolId: number,
  rel: string,
  done: { sha256: string; bytes: number; durationMs: number },
  now: Date,
): Promise<void> {
  const stem = rel.replace(/\.(ogg|wav)$/, "").split("/").pop()!;
  const existing = await db.selectFrom("recordings").select("id").where("id", "=", stem)
    .executeTakeFirst();
  const id = existing ? crypto.randomUUID() : stem;
  const callId = crypto.randomUUID();
  const ts = now.toISOString();
  await db.transaction().execute(async (tx) => {
    await tx.insertInto("calls").values({
      id: callId,
      call_key: `orphan:${stem}`,
      sip_call_id: null,
      siprec_session_id: null,
      ucid: null,
      source: "fork",
      direction: null,
      ani: null,
      dnis: null,
      dn: null,
      agent_id: null,
      queue: null,
      business_unit: null,
      customer_type: null,
      language: null,
      customer_id: null,
      started_at: ts,
      ended_at: ts,
      end_reason: "recovered",
      recorded: 1,
      metadata: "{}",
    }).execute();
    await tx.insertInto("recordings").values({
      id,
      call_id: callId,
      state: "interrupted",
      format: rel.endsWith(".wav") ? "wav" : "opus",
      started_at: ts,
      ended_at: ts,
      duration_ms: Math.round(done.durationMs),
      size_bytes: done.bytes,
      sha256: done.sha256,
      path: rel,
      storage_location_id: spoolId,
      archived_at: null,
      retention_class: null,
      expires_at: null,
      legal_hold: 0,
      mode: null,
      rule_id: null,
      partitions: "",
      agent_id: null,
      customer_id: null,
      business_unit: null,
      customer_type: null,
      language: null,
      ani: null,
      dnis: null,
      direction: null,
      interaction_type: "voice",
      allow_pause: 1,
      flag_interrupted: 1,
      flag_no_media: 0,
      flag_one_way: 0,
      flag_paused: 0,
      flag_gaps: 0,
      deleted_at: null,
      delete_reason: null,
      created_at: ts,
    }).execute();
  });
}
