/**
 * The contract between the web UI and the recorder for live calls: finding the call an
 * agent is on and pausing/resuming its recording. The recorder implements it; App exposes
 * it as `app.callControl` (absent when no recorder runs, e.g. in route tests).
 */

/** Who asked for a pause or resume. */
export type PauseSource = "agent" | "api" | "src" | "auto";

/** A call being recorded right now. */
export interface ActiveCall {
  /** calls.id */
  callId: string;
  /** recordings.id of the recording being written, when recording. */
  recordingId: string | null;
  siprecSessionId: string | null;
  sipCallId: string | null;
  ucid: string | null;
  agentId: string | null;
  ani: string | null;
  dnis: string | null;
  startedAt: string;
  /** Whether pausing is allowed for this call (config or rule). */
  allowPause: boolean;
  paused: boolean;
  /** When the current pause started (ISO), null when not paused. */
  pausedAt: string | null;
  /** When the recorder will auto-resume (ISO), null when not paused. */
  autoResumeAt: string | null;
  /** Partitions of the recording, for the supervisors' view. */
  partitions: readonly string[];
  /** No RTP on any stream `rtp.noMediaSeconds` after recording started (an SRC not forking). */
  noMedia: boolean;
  /** Whether a recording is being written for the call (the decision said record). */
  recorded: boolean;
  /** The rule that decided the call, null when the default or record-all decided. */
  ruleId: string | null;
  /** Who decided: the rules, the decision API, or record-all mode (no rules). */
  decidedBy: "rules" | "api" | "record-all";
  /**
   * Why the call is not recorded (null when it is): a rule said so (`rule`), its quota
   * was used up, its sample missed, no rule matched, or the recording could not start.
   */
  notRecordedReason:
    | "rule"
    | "quota-exhausted"
    | "not-sampled"
    | "no-rule-matched"
    | "not-started"
    | null;
}

/** Details of a pause or resume request. */
export interface PauseRequest {
  source: PauseSource;
  reasonCode: string;
  /** users.id of the requester, null for tokens without a user. */
  userId: number | null;
}

/** Raised by pause/resume when the call cannot be paused (not allowed, already paused…). */
export class CallControlError extends Error {
  override name = "CallControlError";
}

/** Live call control provided by the recorder. */
export interface CallControl {
  /** Finds an active call by SIPREC session id, SIP Call-ID, UCID or calls.id. */
  findActiveCall(idOrKey: string): ActiveCall | null;
  /** The call the agent is on right now, if any. */
  activeCallForAgent(agentId: string): ActiveCall | null;
  /** Pauses recording (digital silence); throws {@link CallControlError} when refused. */
  pause(callId: string, request: PauseRequest): Promise<void>;
  /** Resumes recording; throws {@link CallControlError} when refused. */
  resume(callId: string, request: PauseRequest): Promise<void>;
  /** Every active call. */
  listActive(): ActiveCall[];
}
