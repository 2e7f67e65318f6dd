/**
 * Live pause control of a call's recording: the SRC's pauses (a=inactive), and agents'
 * and API clients' pauses, which resume on their own after `recorder.maxPauseSeconds`.
 * A pause is digital silence in the file; each is kept with its source for the row.
 */
import type { PauseRequest } from "../call_control.ts";
import { CallControlError } from "../call_control.ts";
import type { Logger } from "../log.ts";
import type { Active } from "./active_calls.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import { auditAutoResume, auditSrcPause, type RecorderAuditLog } from "./recorder_audit.ts";
import type { Timers } from "./timers.ts";

/** A pause as the recorder tracks it, in the same order as the timeline's spans. */
export interface PauseMeta {
  source: "src" | "agent" | "api" | "auto";
  reasonCode: string | null;
  userId: number | null;
}

/** What {@link PauseControl} works with. */
export interface PauseControlDeps {
  engine: Pick<RecorderEngine, "pause" | "resume">;
  timers: Timers;
  log: Logger;
  audit: RecorderAuditLog;
  maxPauseSeconds: number;
}

/** Pauses and resumes recordings, with the auto-resume timer of non-SRC pauses. */
export class PauseControl {
  #deps: PauseControlDeps;

  constructor(deps: PauseControlDeps) {
    this.#deps = deps;
  }

  /** An agent or API client asks to pause; throws {@link CallControlError} when refused. */
  request(a: Active, request: PauseRequest): void {
    if (!a.recordingId) throw new CallControlError("The call is not being recorded");
    if (!a.decision.allowPause) throw new CallControlError("Pausing is not allowed for this call");
    if (a.pausedAt) throw new CallControlError("The recording is already paused");
    this.pause(a, {
      source: request.source,
      reasonCode: request.reasonCode,
      userId: request.userId,
    });
  }

  /** An agent or API client asks to resume; throws {@link CallControlError} when not paused. */
  release(a: Active): void {
    if (!a.pausedAt) throw new CallControlError("The recording is not paused");
    this.resume(a);
  }

  /** The SRC paused the session (a=inactive): paused until it resumes, and audited. */
  async srcPaused(a: Active): Promise<void> {
    if (a.pausedAt) return;
    this.pause(a, { source: "src", reasonCode: "src-inactive", userId: null });
    await auditSrcPause(this.#deps.audit, a, "call.pause", "src-inactive");
  }

  /** The SRC resumed the session. */
  async srcResumed(a: Active): Promise<void> {
    if (!a.pausedAt) return;
    this.resume(a);
    await auditSrcPause(this.#deps.audit, a, "call.resume", "src-active");
  }

  /** Pauses the call's recording: digital silence until resumed. */
  pause(a: Active, meta: PauseMeta): void {
    if (!a.recordingId || a.pausedAt) return;
    const { engine, timers, maxPauseSeconds } = this.#deps;
    engine.pause(a.recordingId);
    a.pauses.push(meta);
    a.pausedAt = timers.now();
    if (meta.source === "src") return;
    a.autoResume = timers.setTimeout(() => this.#autoResume(a), maxPauseSeconds * 1000);
  }

  resume(a: Active): void {
    if (!a.recordingId || !a.pausedAt) return;
    this.#deps.engine.resume(a.recordingId);
    a.pausedAt = null;
    this.cancel(a);
  }

  /** Drops the auto-resume timer (the recording resumed or is closing). */
  cancel(a: Active): void {
    if (a.autoResume !== null) this.#deps.timers.clearTimeout(a.autoResume);
    a.autoResume = null;
  }

  #autoResume(a: Active): void {
    this.resume(a);
    const { log, audit, maxPauseSeconds } = this.#deps;
    log.warn("pause reached its maximum; recording resumed automatically", {
      call: a.callId,
      maxPauseSeconds,
    });
    auditAutoResume(audit, log, a);
  }
}
