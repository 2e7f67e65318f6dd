/**
 * Maximum recording length (`recorder.maxSegmentSeconds`): a call longer than that goes
 * on in a new recording of the same call, linked to the previous one, numbered, with no
 * audio lost or doubled between them. The recorder decides when (a timer per recording
 * on the injected clock); the media engine switches files at a sample boundary on the
 * same sockets. Pauses, participants, agents, partitions and metadata carry over; the
 * decision is not evaluated again.
 */
import type { Logger } from "../log.ts";
import type { Active } from "./active_calls.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import type { RecordingFinish } from "./recording_finish.ts";
import type { RecordingStart } from "./recording_start.ts";
import type { Timers } from "./timers.ts";

/** The per-recording timer that calls `due` when the current segment is full. */
export class SegmentTimer {
  #timers: Timers;
  #ms: number;
  #due: (a: Active) => void;

  constructor(o: { timers: Timers; maxSegmentSeconds: number; due: (a: Active) => void }) {
    this.#timers = o.timers;
    this.#ms = o.maxSegmentSeconds * 1000;
    this.#due = o.due;
  }

  /** Starts the current segment's timer (a recording opened, or a segment began). */
  arm(a: Active): void {
    this.disarm(a);
    a.segmentTimer = this.#timers.setTimeout(() => {
      a.segmentTimer = null;
      this.#due(a);
    }, this.#ms);
  }

  /** Stops it (the recording ends). */
  disarm(a: Active): void {
    if (a.segmentTimer !== null) this.#timers.clearTimeout(a.segmentTimer);
    a.segmentTimer = null;
  }
}

/** What {@link SegmentRoll} works with. */
export interface SegmentRollDeps {
  engine: Pick<RecorderEngine, "roll">;
  begin: Pick<RecordingStart, "nextSegment" | "segmentFile" | "storeSegment">;
  finish: Pick<RecordingFinish, "finishSegment">;
  timer: Pick<SegmentTimer, "arm">;
  log: Logger;
}

/** Rolls a call's recording to its next segment. */
export class SegmentRoll {
  #deps: SegmentRollDeps;

  constructor(deps: SegmentRollDeps) {
    this.#deps = deps;
  }

  /**
   * Ends the current segment and starts the next; the end of the call (or a transfer's)
   * waits for it through `a.rolling`. Nothing happens once the call is ending.
   */
  roll(a: Active): Promise<void> {
    if (!a.recordingId || a.closing || a.rolling) return a.rolling ?? Promise.resolve();
    a.rolling = this.#roll(a).catch((err) =>
      this.#deps.log.error("segment roll failed", { call: a.callId, error: err })
    ).finally(() => a.rolling = null);
    return a.rolling;
  }

  async #roll(a: Active): Promise<void> {
    const { engine, begin, finish, timer, log } = this.#deps;
    const prev = { id: a.recordingId!, path: a.path!, pauses: a.pauses };
    const plan = await begin.nextSegment(a);
    if (a.recordingId !== prev.id || a.closing) return; // ended while the dir was made
    // From here the call's recording is the new segment: pause requests, updates and the
    // end go to it. A pause running now goes on in it (the engine carries it too).
    a.pauses = a.pausedAt ? [prev.pauses.at(-1)!] : [];
    a.recordingId = plan.id;
    a.path = plan.path;
    a.segment++;
    const closed = engine.roll(prev.id, plan.id, begin.segmentFile(a));
    timer.arm(a);
    await begin.storeSegment(a, plan, prev.id);
    await finish.finishSegment(prev.id, prev.path, await closed, prev.pauses);
    log.info("recording continues in a new segment", {
      call: a.callId,
      previous: prev.id,
      recording: plan.id,
      segment: a.segment,
    });
  }
}
