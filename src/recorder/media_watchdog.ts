/**
 * The no-media watchdog: `rtp.noMediaSeconds` after a recording's ports open, a call
 * whose streams have sent no packet is warned about once (and shown as `noMedia` in the
 * active-calls view, counted in `/metrics`); the flag clears when media arrives.
 * Media that started and then stopped (`rtp.inactivitySeconds` without RTP or RTCP on
 * any stream, reported by the capture worker) ends the call: its hangup listeners (the
 * SIP side) send BYE and end the session as `media-timeout`.
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
  #hangups = new Set<(key: string, reason: "media-timeout") => void>();

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

  /** Adds a listener asked to end a session whose media stopped. */
  onHangup(listener: (key: string, reason: "media-timeout") => void): void {
    this.#hangups.add(listener);
  }

  /** Media of recording `rec` stopped for `silentMs` (not paused): end the call. */
  mediaIdle(rec: string, silentMs: number): void {
    const a = this.#deps.calls.byRecording(rec);
    if (!a || a.closing || a.pausedAt) return;
    this.#deps.log.warn("media stopped: ending the call (rtp.inactivitySeconds)", {
      call: a.callId,
      recording: rec,
      silentMs: Math.round(silentMs),
    });
    for (const hangup of this.#hangups) hangup(a.session.key, "media-timeout");
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
