/**
 * What the recorder is given (built by the composition root) and the parts it is made
 * of, wired once: the active call table, pause control, the no-media watchdog, the
 * start and the end of recordings, and the engine's hooks (media, file errors, backlog).
 */
import { join } from "node:path";
import type { AuditLog } from "../audit/audit_log.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/db.ts";
import { ActiveCalls } from "./active_calls.ts";
import { BacklogAlarms } from "./backlog_alarms.ts";
import type { RuleSource } from "./decision.ts";
import { MediaWatchdog } from "./media_watchdog.ts";
import { PauseControl } from "./pause_control.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import type { RecorderCounts } from "./recorder_metrics.ts";
import { RecordingFinish } from "./recording_finish.ts";
import { RecordingStart } from "./recording_start.ts";
import { SegmentRoll, SegmentTimer } from "./segment_roll.ts";
import { realTimers, type Timers } from "./timers.ts";
import type { RecordingSealer } from "./file_seal.ts";
import type { Keyring } from "../seal/keyring.ts";

/** What the recorder works with (the composition root builds it). */
export interface RecorderDeps {
  /** The slices of config the recorder reads. */
  config: Pick<Config, "dataDir" | "recorder" | "rtp" | "rules" | "storage" | "decisions">;
  /** The database (`raw` for the synchronous quota read in the decision). */
  store: Pick<Store, "db" | "raw">;
  audit: AuditLog;
  log: Logger;
  engine: RecorderEngine;
  /** The rules, or null (record-all mode, or no rules service). */
  rules: RuleSource | null;
  now?: () => Date;
  /** Timers of pauses, the no-media watchdog and drain (default: real ones on `now`). */
  timers?: Timers;
  /** Encryption at rest: the keyring (reads, recovery) and, when on, the new files' sealer. */
  sealing?: { keyring: Keyring; sealer: RecordingSealer | null } | null;
}

/** The recorder's parts, sharing one clock, one call table and one set of counters. */
export interface RecorderParts {
  timers: Timers;
  spoolDir: string;
  counts: RecorderCounts;
  calls: ActiveCalls;
  pauses: PauseControl;
  watchdog: MediaWatchdog;
  begin: RecordingStart;
  finish: RecordingFinish;
  segments: SegmentRoll;
}

/**
 * Builds the recorder's parts and sets the engine's hooks. `spoolId` reads the spool's
 * storage location id, known once the recorder has started.
 */
export function wireRecorder(deps: RecorderDeps, spoolId: () => number): RecorderParts {
  const { engine, log, config, audit } = deps;
  const timers = deps.timers ?? realTimers(deps.now);
  const now = () => timers.now(), db = deps.store.db;
  const spoolDir = join(config.dataDir, "recordings");
  const { maxPauseSeconds, writeBufferBytes } = config.recorder;
  const counts: RecorderCounts = {
    started: 0,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  const calls = new ActiveCalls(maxPauseSeconds);
  const pauses = new PauseControl({ engine, timers, log, audit, maxPauseSeconds });
  const { noMediaSeconds, inactivitySeconds } = config.rtp;
  const watchdog = new MediaWatchdog({
    calls,
    timers,
    log,
    counts,
    noMediaSeconds,
    inactivitySeconds,
  });
  const { maxSegmentSeconds } = config.recorder;
  // The timer's callback reaches the roll built below (it fires only once a call runs).
  const timer = new SegmentTimer({ timers, maxSegmentSeconds, due: (a) => void roll.roll(a) });
  const shared = { engine, db, log, now, spoolDir, counts, watchdog, segments: timer };
  const sealer = deps.sealing?.sealer ?? null;
  const begin = new RecordingStart({ ...shared, config, spoolId, sealer });
  const finish = new RecordingFinish({ ...shared, pauses });
  const roll = new SegmentRoll({ engine, begin, finish, timer, log });
  const alarms = new BacklogAlarms({ engine, db, log, now, writeBufferBytes });
  engine.onFileError = (rec, error, code) => {
    counts.fileErrors++;
    log.error("recording file write failed; audio so far is kept", { rec, error, code });
  };
  engine.onBacklog = (backlog) => alarms.onBacklog(backlog);
  engine.onMedia = (rec) => watchdog.mediaArrived(rec);
  engine.onIdle = (rec, silentMs) => watchdog.mediaIdle(rec, silentMs);
  return { timers, spoolDir, counts, calls, pauses, watchdog, begin, finish, segments: roll };
}
