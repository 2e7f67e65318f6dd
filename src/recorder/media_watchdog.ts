/**
 * The no-media watchdog: `rtp.noMediaSeconds` after a recording's ports open, a call
 * whose streams have sent no packet is warned about once (and shown as `noMedia` in the
 * active-calls view, counted in `/metrics`); the flag clears when media arrives.
 * Media that started and then stopped (`rtp.inactivitySeconds` without RTP or RTCP on
 * any stream, reported by the capture worker) ends the call: its hangup listeners (the
 * SIP side) send BYE and end the session as `media-timeout`. So does media that never
 * started: `rtp.inactivitySeconds` after the ports opened with no packet (and not paused),
 * so a session whose SRC vanished (its BYE lost, no session timer) still ends.
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
  /** `rtp.inactivitySeconds`: a call whose media never started ends this long after it opened. */
  inactivitySeconds?: number;
}

/** Watches each recording for its first RTP packet. */
export class MediaWatchdog {
  #deps: MediaWatchdogDeps;
  #hangups = new Set<(key: string, reason: "media-timeout") => void>();
  /** Per watched call: the timer that ends it if its media never starts. */
  #deadlines = new Map<Active, number>();

  constructor(deps: MediaWatchdogDeps) {
    this.#deps = deps;
  }

  /** Starts the watch of a recording whose ports were just opened. */
  arm(a: Active): void {
    const { timers, noMediaSeconds } = this.#deps;
    a.noMediaTimer = timers.setTimeout(() => this.#check(a), noMediaSeconds * 1000, {
      unref: true,
    });
    this.#armDeadline(a);
  }

  /** Stops the watch (the recording is closing). */
  disarm(a: Active): void {
    if (a.noMediaTimer !== null) this.#deps.timers.clearTimeout(a.noMediaTimer);
    a.noMediaTimer = null;
    const deadline = this.#deadlines.get(a);
    if (deadline !== undefined) this.#deps.timers.clearTimeout(deadline);
    this.#deadlines.delete(a);
  }

  #armDeadline(a: Active): void {
    const { timers, inactivitySeconds } = this.#deps;
    const old = this.#deadlines.get(a);
    if (old !== undefined) timers.clearTimeout(old);
    this.#deadlines.delete(a);
    if (!inactivitySeconds || a.mediaSeen) return;
    const t = timers.setTimeout(() => this.#neverStarted(a), inactivitySeconds * 1000, {
      unref: true,
    });
    this.#deadlines.set(a, t);
  }

  /** No packet at all `rtp.inactivitySeconds` after the ports opened: end the call. */
  #neverStarted(a: Active): void {
    this.#deadlines.delete(a);
    const { calls, log, inactivitySeconds } = this.#deps;
    if (a.mediaSeen || a.closing || calls.get(a.session.key) !== a) return;
    // A paused call (SRC a=inactive, agent) is not expected to send: look again later.
    if (a.pausedAt) return this.#armDeadline(a);
    log.warn("no media since the call started: ending it (rtp.inactivitySeconds)", {
      call: a.callId,
      recording: a.recordingId,
      seconds: inactivitySeconds,
    });
    for (const hangup of this.#hangups) hangup(a.session.key, "media-timeout");
  }

  /** The first packet of some stream of recording `rec` arrived. */
  mediaArrived(rec: string): void {
    const a = this.#deps.calls.byRecording(rec);
    if (!a) return;
    a.mediaSeen = true;
    const deadline = this.#deadlines.get(a);
    if (deadline !== undefined) this.#deps.timers.clearTimeout(deadline);
    this.#deadlines.delete(a);
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
