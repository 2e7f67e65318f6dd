/**
 * The recorder's table of calls in progress, keyed by session, and the views the web
 * UI and agent API read of it: one {@link ActiveCall} per call, found by calls.id,
 * SIPREC session id, SIP Call-ID, UCID, or the agent on it.
 */
import type { ActiveCall } from "../call_control.ts";
import { CallControlError } from "../call_control.ts";
import type { CallFacts } from "./call_facts.ts";
import type { ChannelAssignment } from "./channels.ts";
import type { CallDecision } from "./decision.ts";
import type { PauseMeta } from "./pause_control.ts";
import { notRecordedReason } from "./recorder_metrics.ts";
import type { SessionInfo } from "./session.ts";

/** One call in progress, as the recorder tracks it. */
export interface Active {
  session: SessionInfo;
  callId: string;
  facts: CallFacts;
  decision: CallDecision;
  recordingId: string | null;
  path: string | null;
  /** The recording's sample rate, fixed at its start (recording_rate.ts); kept by segments. */
  sampleRate: number;
  startedAt: Date;
  assignment: ChannelAssignment | null;
  pauses: PauseMeta[];
  pausedAt: Date | null;
  /** The auto-resume timer of an agent or API pause. */
  autoResume: number | null;
  closing: Promise<void> | null;
  /** An RTP packet arrived on some stream of the recording. */
  mediaSeen: boolean;
  /** Raised `rtp.noMediaSeconds` after the media opened with none seen. */
  noMedia: boolean;
  noMediaTimer: number | null;
  /** Segment number of the current recording, from 1 (`recorder.maxSegmentSeconds`). */
  segment: number;
  /** The timer that rolls the recording to its next segment. */
  segmentTimer: number | null;
  /** A segment roll in progress (the end of the recording waits for it). */
  rolling: Promise<void> | null;
}

/** A call just answered: not recording yet, not paused, no media seen. */
export function newActive(
  session: SessionInfo,
  facts: CallFacts,
  decision: CallDecision,
  startedAt: Date,
): Active {
  return {
    session,
    callId: crypto.randomUUID(),
    facts,
    decision,
    recordingId: null,
    path: null,
    sampleRate: 8000,
    startedAt,
    assignment: null,
    pauses: [],
    pausedAt: null,
    autoResume: null,
    closing: null,
    mediaSeen: false,
    noMedia: false,
    noMediaTimer: null,
    segment: 1,
    segmentTimer: null,
    rolling: null,
  };
}

function decidedBy(d: CallDecision): ActiveCall["decidedBy"] {
  if ((d.trace as { decidedBy?: unknown } | null)?.decidedBy === "api") return "api";
  return d.rulesetVersion === "recordAll" ? "record-all" : "rules";
}

/** Calls in progress by session key. */
export class ActiveCalls {
  #calls = new Map<string, Active>();
  #maxPauseMs: number;

  /** `maxPauseSeconds`: when a pause resumes on its own (shown as `autoResumeAt`). */
  constructor(maxPauseSeconds: number) {
    this.#maxPauseMs = maxPauseSeconds * 1000;
  }

  get size(): number {
    return this.#calls.size;
  }

  get(key: string): Active | undefined {
    return this.#calls.get(key);
  }

  has(key: string): boolean {
    return this.#calls.has(key);
  }

  set(key: string, a: Active): void {
    this.#calls.set(key, a);
  }

  delete(key: string): void {
    this.#calls.delete(key);
  }

  /** Session keys and calls, in start order. */
  entries(): IterableIterator<[string, Active]> {
    return this.#calls.entries();
  }

  keys(): IterableIterator<string> {
    return this.#calls.keys();
  }

  values(): IterableIterator<Active> {
    return this.#calls.values();
  }

  /** Calls whose recording is paused now. */
  pausedCount(): number {
    let paused = 0;
    for (const a of this.#calls.values()) if (a.pausedAt) paused++;
    return paused;
  }

  /** The call writing recording `rec`, if any. */
  byRecording(rec: string): Active | undefined {
    for (const a of this.#calls.values()) if (a.recordingId === rec) return a;
    return undefined;
  }

  /** The call with this calls.id; throws {@link CallControlError} when none is active. */
  byCallId(callId: string): Active {
    for (const a of this.#calls.values()) if (a.callId === callId) return a;
    throw new CallControlError(`No active call "${callId}"`);
  }

  /** Finds a call by calls.id, SIPREC session id, SIP Call-ID or UCID. */
  find(idOrKey: string): ActiveCall | null {
    for (const a of this.#calls.values()) {
      const c = this.view(a);
      if ([c.callId, c.siprecSessionId, c.sipCallId, c.ucid].includes(idOrKey)) return c;
    }
    return null;
  }

  /** The call the agent is on. */
  forAgent(agentId: string): ActiveCall | null {
    for (const a of this.#calls.values()) {
      if (a.facts.fields.agentId === agentId) return this.view(a);
    }
    return null;
  }

  list(): ActiveCall[] {
    return [...this.#calls.values()].map((a) => this.view(a));
  }

  /** What the web UI and agent API see of a call. */
  view(a: Active): ActiveCall {
    const f = a.facts.fields;
    return {
      callId: a.callId,
      recordingId: a.recordingId,
      siprecSessionId: a.session.source === "siprec" ? a.session.sessionId : null,
      sipCallId: a.session.sipCallId,
      ucid: f.ucid ?? null,
      agentId: f.agentId ?? null,
      ani: f.ani ?? null,
      dnis: f.dnis ?? null,
      startedAt: a.startedAt.toISOString(),
      allowPause: a.decision.allowPause,
      paused: a.pausedAt !== null,
      pausedAt: a.pausedAt?.toISOString() ?? null,
      autoResumeAt: a.pausedAt
        ? new Date(a.pausedAt.getTime() + this.#maxPauseMs).toISOString()
        : null,
      partitions: a.decision.partitions,
      noMedia: a.noMedia,
      recorded: a.recordingId !== null,
      ruleId: a.decision.ruleId,
      decidedBy: decidedBy(a.decision),
      notRecordedReason: a.recordingId !== null
        ? null
        : a.decision.record
        ? "not-started"
        : notRecordedReason(a.decision),
    };
  }
}
