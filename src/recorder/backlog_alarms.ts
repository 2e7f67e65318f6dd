/**
 * What the recorder says about the media engine's backlog reports: a warning once per
 * spill episode (encoders behind, audio going to journals) and when it ends, an error
 * on journal I/O failures, and while recording files wait for a disk that refuses
 * writes, a warning and the `recorder.disk-writes` alarm (cleared when writes resume).
 */
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { clearAlarm, raiseAlarm } from "../store/queries/alarms.ts";
import { type EpisodeState, nextEpisode } from "./backlog_gate.ts";
import { type DiskWaitState, nextDiskWait, NO_DISK_WAIT } from "./disk_waits.ts";
import type { EncoderBacklog } from "./media_protocol.ts";
import type { RecorderEngine } from "./recorder_engine.ts";

/** What {@link BacklogAlarms} works with. */
export interface BacklogAlarmsDeps {
  engine: Pick<RecorderEngine, "encoderLoad">;
  db: Db;
  log: Logger;
  now: () => Date;
  /** `recorder.writeBufferBytes`, named in the audio-lost error. */
  writeBufferBytes: number;
}

/** Folds backlog reports into episodes and speaks once per episode. */
export class BacklogAlarms {
  #deps: BacklogAlarmsDeps;
  /** Spill events seen so far, and whether a spill episode is open (warned once). */
  #backlog: EpisodeState = { spills: 0, journalErrors: 0, open: false };
  /** Files waiting for a disk that refuses writes (warned and alarmed once per episode). */
  #diskWait: DiskWaitState = NO_DISK_WAIT;

  constructor(deps: BacklogAlarmsDeps) {
    this.#deps = deps;
  }

  /** A backlog report of the capture worker (about every 5 s). */
  onBacklog(backlog: EncoderBacklog[]): void {
    const { log } = this.#deps;
    const { state, started, ended, newErrors } = nextEpisode(this.#backlog, backlog);
    this.#backlog = state;
    const fields = {
      spills: state.spills,
      encoders: backlog.map((b) => ({
        queuedSeconds: Math.round(b.queuedSeconds * 10) / 10,
        journaledSeconds: Math.round(b.journaledSeconds * 10) / 10,
        spilling: b.spilling,
      })),
    };
    if (newErrors > 0) {
      log.error("spill journal I/O failed; audio is kept in memory instead", {
        journalErrors: state.journalErrors,
      });
    }
    if (started) log.warn("encoders are behind: audio is spilling to journals", fields);
    if (ended) log.info("encoders caught up: journals replayed", fields);
    this.#onDiskWaits();
  }

  #onDiskWaits(): void {
    const { engine, db, log } = this.#deps;
    const w = nextDiskWait(this.#diskWait, engine.encoderLoad());
    this.#diskWait = w.state;
    const fields = { stalledFiles: w.stalledFiles, error: w.error, stalls: w.state.stalls };
    const now = this.#deps.now();
    const alarm = (p: Promise<unknown>) =>
      p.catch((err) => log.warn("disk-writes alarm not stored", { error: err }));
    if (w.started) log.warn("disk refuses recording writes: audio is held in memory", fields);
    if (w.state.open) {
      const msg = `${w.stalledFiles} recording file(s) waiting for the disk (${w.error})`;
      void alarm(raiseAlarm(db, "recorder.disk-writes", "critical", msg, now));
    }
    if (w.newLostMs > 0) {
      log.error("write buffer full: audio lost while the disk refused writes", {
        ...fields,
        lostMs: Math.round(w.newLostMs),
        writeBufferBytes: this.#deps.writeBufferBytes,
      });
    }
    if (w.ended) {
      log.info("disk takes recording writes again", fields);
      void alarm(clearAlarm(db, "recorder.disk-writes", now));
    }
  }
}
