/**
 * The end of a recording: stop its timers and capture, let the encoder finish the file,
 * turn what the workers report into the finalize record, and store it (with the call's
 * end when the call is over, in one commit). A finalize that fails on a full disk is
 * retried until the disk takes writes again, so it is never lost.
 */
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import {
  endCall,
  finalizeRecording,
  inTransaction,
  type RecordingEnd,
} from "../store/queries/recording_writes.ts";
import type { Active } from "./active_calls.ts";
import { retryOnFullDisk } from "./disk_waits.ts";
import { finishClosed } from "./finalize.ts";
import type { MediaWatchdog } from "./media_watchdog.ts";
import type { PauseControl } from "./pause_control.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import { countFinished, type RecorderCounts } from "./recorder_metrics.ts";
import type { ClosedRecording } from "./media_engine.ts";
import type { PauseMeta } from "./pause_control.ts";
import type { SegmentTimer } from "./segment_roll.ts";
import { storeRecordingMos } from "./recording_mos.ts";

/** Finalizes the row, then stores its estimated MOS from the stream stats just written. */
async function finalizeWithMos(db: Db, end: RecordingEnd): Promise<void> {
  await finalizeRecording(db, end);
  await storeRecordingMos(db, end.id);
}

/** What {@link RecordingFinish} works with. */
export interface RecordingFinishDeps {
  engine: Pick<RecorderEngine, "close">;
  db: Db;
  log: Logger;
  now: () => Date;
  /** The spool directory; stored paths are relative to it. */
  spoolDir: string;
  /** The recorder's counters (`complete` or `interrupted` is counted here). */
  counts: RecorderCounts;
  pauses: Pick<PauseControl, "cancel">;
  watchdog: Pick<MediaWatchdog, "disarm">;
  segments: Pick<SegmentTimer, "disarm">;
}

/** Finishes recordings and stores their end. */
export class RecordingFinish {
  #deps: RecordingFinishDeps;

  constructor(deps: RecordingFinishDeps) {
    this.#deps = deps;
  }

  /** Finishes the call's recording (if any) and ends the call, in one commit. */
  async endCall(a: Active, reason: string): Promise<void> {
    const { db, now } = this.#deps;
    const end = await this.#close(a, reason);
    await this.#storeWrite(() =>
      inTransaction(db, async (tx) => {
        if (end) await finalizeWithMos(tx, end);
        await endCall(tx, a.callId, reason, now());
      })
    );
    if (end) this.#logFinished(end);
  }

  /** Finishes the call's recording while the call goes on (a transfer). */
  async finishRecording(a: Active, reason: string): Promise<void> {
    const end = await this.#close(a, reason);
    if (!end) return;
    await this.#storeWrite(() => inTransaction(this.#deps.db, (tx) => finalizeWithMos(tx, end)));
    this.#logFinished(end);
  }

  /** Stores the end of a segment the engine rolled over (the call goes on in the next). */
  async finishSegment(
    id: string,
    path: string,
    closed: ClosedRecording,
    pauses: PauseMeta[],
  ): Promise<void> {
    const end = await this.#ended(id, path, closed, pauses, "segment");
    await this.#storeWrite(() => inTransaction(this.#deps.db, (tx) => finalizeWithMos(tx, end)));
    this.#logFinished(end);
  }

  /** Stops capture and finishes the file; returns what the store must record, or null. */
  async #close(a: Active, reason: string): Promise<RecordingEnd | null> {
    // A segment roll in progress finishes first: its rows exist before this end's.
    if (a.rolling) await a.rolling;
    const id = a.recordingId, path = a.path;
    if (!id || !path) return null;
    const { engine, pauses, watchdog, segments } = this.#deps;
    pauses.cancel(a);
    watchdog.disarm(a);
    segments.disarm(a);
    a.recordingId = null;
    const closed = await engine.close(id);
    return await this.#ended(id, path, closed, a.pauses, reason);
  }

  /** The finalize record of a closed file (counted as complete or interrupted). */
  async #ended(
    id: string,
    path: string,
    closed: ClosedRecording,
    pauses: PauseMeta[],
    reason: string,
  ): Promise<RecordingEnd> {
    const end = await finishClosed(id, path, closed, pauses, reason, this.#deps.now());
    countFinished(this.#deps.counts, end);
    return { ...end, path: end.path.slice(this.#deps.spoolDir.length + 1) };
  }

  /** Runs a store write again while it fails on a full disk (a finalize is never lost). */
  #storeWrite(job: () => Promise<void>): Promise<void> {
    return retryOnFullDisk(job, {
      onWait: (err) =>
        this.#deps.log.warn("finalize waits for the disk to take writes", { error: err }),
    });
  }

  #logFinished(end: RecordingEnd): void {
    this.#deps.log.info("recording finished", {
      recording: end.id,
      state: end.state,
      durationMs: Math.round(end.durationMs),
      flags: end.flags,
    });
  }
}
