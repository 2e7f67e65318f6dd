/**
 * The no-media watchdog: `rtp.noMediaSeconds` after a recording's ports open, a call
 * whose streams have sent no packet is warned about once (and shown as `noMedia` in the
 * active-calls view, counted in `/metrics`); the flag clears when media arrives.
 */
import type { Logger } from "../log.ts";
import type { Active, ActiveCalls } from "./active_calls.ts";
import type { RecorderCounts } from "./recorder_metrics.ts";
import type { Timers } from "./timers.ts";

/** What {@link MediaWatchdog} works with. */
export interface MediaWatchdogDeps {
  calls: ActiveCalls;
  timers: Timers;
  log: Logger;
  /** The recorder's counters (`noMedia` is counted here). */
  counts: RecorderCounts;
  noMediaSeconds: number;
}

/** Watches each recording for its first RTP packet. */
export class MediaWatchdog {
  #deps: MediaWatchdogDeps;

  constructor(deps: MediaWatchdogDeps) {
    this.#deps = deps;
  }

  /** Starts the watch of a recording whose ports were just opened. */
  arm(a: Active): void {
    const { timers, noMediaSeconds } = this.#deps;
    a.noMediaTimer = timers.setTimeout(() => this.#check(a), noMediaSeconds * 1000, {
      unref: true,
    });
  }

  /** Stops the watch (the recording is closing). */
  disarm(a: Active): void {
    if (a.noMediaTimer !== null) this.#deps.timers.clearTimeout(a.noMediaTimer);
    a.noMediaTimer = null;
  }

  /** The first packet of some stream of recording `rec` arrived. */
  mediaArrived(rec: string): void {
    const a = this.#deps.calls.byRecording(rec);
    if (!a) return;
    a.mediaSeen = true;
    if (!a.noMedia) return;
    a.noMedia = false;
    this.#deps.log.info("media arrived", { call: a.callId, recording: rec });
  }

  #check(a: Active): void {
    a.noMediaTimer = null;
    const { calls, log, counts, noMediaSeconds } = this.#deps;
    if (a.mediaSeen || a.closing || !calls.has(a.session.key)) return;
    a.noMedia = true;
    counts.noMedia++;
    log.warn("no media: is the SRC forking RTP to the ports in our answer?", {
      call: a.callId,
      recording: a.recordingId,
      seconds: noMediaSeconds,
      ports: a.session.streams.map((s) => s.port),
    });
  }
}
