/**
 * The call lifecycle: session → rule decision → recording → finalize. The only place
 * that joins signalling, rules, media workers and the store. Also the live call
 * control (agent/API pause and resume with auto-resume) the web UI uses.
 */
import type { Service } from "../service.ts";
import type { ActiveCall, CallControl, PauseRequest } from "../call_control.ts";
import { ensureSpool } from "../store/queries/recording_writes.ts";
import { assignChannels } from "./channels.ts";
import { attributeTransfer } from "./transfer_attribution.ts";
import { type CallFacts, callFacts } from "./call_facts.ts";
import { type CallDecision, decideCall, storeDecision } from "./decision.ts";
import type { EncoderBacklog } from "./media_protocol.ts";
import type { SessionInfo } from "./session.ts";
import { recoverySweep } from "./recovery.ts";
import type { Sample } from "../metrics.ts";
import { countNotRecorded, type RecorderCounts, recorderSamples } from "./recorder_metrics.ts";
import { type ActiveCalls, newActive } from "./active_calls.ts";
import { captureStreams } from "./media_spec.ts";
import type { PauseControl } from "./pause_control.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import { type RecorderDeps, type RecorderParts, wireRecorder } from "./recorder_deps.ts";
import { drainCalls, logEngineStats } from "./recorder_drain.ts";
import type { RecordingFinish } from "./recording_finish.ts";
import type { RecordingStart } from "./recording_start.ts";
import type { Timers } from "./timers.ts";

export type { CallDecision, RuleSource } from "./decision.ts";
export type { PauseMeta } from "./pause_control.ts";
export type { RecorderDeps } from "./recorder_deps.ts";

/** Records the sessions it is told about. */
export class RecorderService implements Service, CallControl {
  readonly name = "recorder";
  #deps: RecorderDeps;
  #engine: RecorderEngine;
  #timers: Timers;
  #now: () => Date;
  #spoolId = 0;
  #spoolDir: string;
  #active: ActiveCalls;
  #counts: RecorderCounts;
  #decided = new Map<string, { facts: CallFacts; decision: CallDecision }>();
  /** Starts in progress by session key: an end waits for its start (see ended). */
  #starting = new Map<string, Promise<void>>();
  #pauses: PauseControl;
  #begin: RecordingStart;
  #finish: RecordingFinish;
  #watchdog: RecorderParts["watchdog"];

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
    this.#engine = deps.engine;
    const parts = wireRecorder(deps, () => this.#spoolId);
    this.#timers = parts.timers;
    this.#now = () => parts.timers.now();
    this.#spoolDir = parts.spoolDir;
    this.#counts = parts.counts;
    this.#active = parts.calls;
    this.#pauses = parts.pauses;
    this.#begin = parts.begin;
    this.#finish = parts.finish;
    this.#watchdog = parts.watchdog;
  }

  async start(): Promise<void> {
    await Deno.mkdir(this.#spoolDir, { recursive: true });
    this.#spoolId = await ensureSpool(this.#deps.store.db, this.#spoolDir);
    await recoverySweep(
      this.#deps.store.db,
      this.#spoolDir,
      this.#spoolId,
      this.#deps.log,
      this.#now(),
      this.#deps.sealing?.keyring ?? null,
    );
  }

  /** Encoder backlog per worker, for `/healthz` and the system page (see MediaEngine). */
  encoderBacklog(): EncoderBacklog[] {
    return this.#engine.backlog();
  }

  /** Samples for `/metrics`. */
  metrics(): Sample[] {
    return recorderSamples({
      active: this.#active.size,
      paused: this.#active.pausedCount(),
      counts: this.#counts,
      load: this.#engine.encoderLoad(),
      backlog: this.#engine.backlog(),
    });
  }

  /**
   * Adds a listener asked to end a session from our side (its media stopped for
   * `rtp.inactivitySeconds`): the SIP side sends BYE and reports the end.
   */
  onHangup(listener: (key: string, reason: "media-timeout") => void): void {
    this.#watchdog.onHangup(listener);
  }

  /** Sessions in progress. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** The rule decision for a new session (called before the SIP answer). */
  decide(session: SessionInfo): CallDecision {
    const facts = callFacts(session);
    // An API decision for any of the call's keys binds it (decisions.bindSeconds).
    const keys = [facts.fields.ucid, session.sessionId, session.sipCallId, facts.callKey];
    const decision = decideCall(this.#deps, facts, this.#now(), keys);
    this.#decided.set(session.key, { facts, decision });
    return decision;
  }

  /** A session was answered: store the call, and start recording when decided so. */
  async started(session: SessionInfo): Promise<void> {
    const start = this.#start(session);
    this.#starting.set(session.key, start);
    try {
      await start;
    } finally {
      if (this.#starting.get(session.key) === start) this.#starting.delete(session.key);
    }
  }

  async #start(session: SessionInfo): Promise<void> {
    const known = this.#decided.get(session.key);
    this.#decided.delete(session.key);
    const { facts, decision } = known ?? (() => {
      const decision = this.decide(session);
      return { facts: callFacts(session), decision };
    })();
    const active = newActive(session, facts, decision, this.#now());
    // The RTP sockets are bound first (the `prepare` hook, before the SIP 200 OK): a port
    // that cannot be bound throws here and the call is refused (503) before any row
    // exists. Then the call, its decision and the recording's rows are one commit.
    const plan = decision.record ? await this.#begin.plan(active) : null;
    if (plan) {
      this.#active.set(session.key, active);
      try {
        await this.#begin.openMedia(active);
      } catch (err) {
        this.#active.delete(session.key);
        this.#deps.log.error("cannot open media: refusing the call", {
          call: active.callId,
          recording: plan.id,
          error: err,
        });
        throw err;
      }
    }
    try {
      await this.#begin.storeStart(active, plan);
    } catch (err) {
      if (plan) {
        this.#active.delete(session.key);
        this.#engine.abandon(plan.id);
      }
      throw err;
    }
    this.#active.set(session.key, active);
    if (!plan) countNotRecorded(this.#counts, decision);
  }

  /** Mid-call update: new streams or codecs, or new participants (a transfer). */
  async updated(session: SessionInfo): Promise<void> {
    const a = this.#active.get(session.key);
    if (!a) return;
    // A segment roll in progress finishes first (the new segment's rows must exist).
    if (a.rolling) await a.rolling;
    const before = new Set(a.session.participants.map((p) => p.aor ?? p.id));
    const transfer = session.participants.some((p) => !before.has(p.aor ?? p.id));
    a.session = session;
    if (transfer) {
      const facts = callFacts(session);
      const again = this.decide(session);
      this.#decided.delete(session.key);
      const stored = { callId: a.callId, origin: "update" as const, facts, decision: again };
      await storeDecision(this.#deps.store.db, stored);
      if (a.decision.mode === "destination" && a.recordingId) {
        // Agent-side recording stops at the transfer; the new leg is decided afresh.
        await this.#finish.finishRecording(a, "transfer");
        a.facts = facts;
        a.decision = again;
        a.pauses = [];
        if (again.record) await this.#begin.midCall(a);
        return;
      }
      a.facts = facts;
      if (!a.recordingId && again.record) {
        a.decision = again;
        await this.#begin.midCall(a);
        return;
      }
    }
    if (a.recordingId && a.assignment) {
      const left = this.#deps.config.recorder.leftChannel;
      const assignment = assignChannels(session, left, a.assignment.participants);
      if (transfer) {
        await attributeTransfer(this.#deps.store.db, this.#deps.log, {
          recordingId: a.recordingId,
          before: a.assignment,
          after: assignment,
          agentId: a.facts.fields.agentId,
          at: this.#now(),
        });
      }
      a.assignment = assignment;
      this.#engine.update(
        a.recordingId,
        captureStreams(session, assignment, this.#deps.config.rtp),
      );
    }
  }

  /** The SRC paused the session (a=inactive). */
  async srcPaused(key: string): Promise<void> {
    const a = this.#active.get(key);
    if (a) await this.#pauses.srcPaused(a);
  }

  /** The SRC resumed the session. */
  async srcResumed(key: string): Promise<void> {
    const a = this.#active.get(key);
    if (a) await this.#pauses.srcResumed(a);
  }

  /** The session ended (BYE, CANCEL, timeout). */
  async ended(key: string, reason: string): Promise<void> {
    // A session can end while its start still binds ports or writes rows: let the start
    // finish first, so the recording it makes is ended too (never left `recording`).
    await this.#starting.get(key)?.catch(() => {});
    const a = this.#active.get(key);
    this.#decided.delete(key);
    if (!a) return;
    a.closing ??= (async () => {
      await this.#finish.endCall(a, reason);
      this.#active.delete(key);
    })();
    await a.closing;
  }

  /**
   * Drain, bounded by `deadline` whatever happens: calls still running near it end as
   * `shutdown`, files not finished by it are left to the recovery sweep.
   */
  drain(deadline: number): Promise<void> {
    const { log, config } = this.#deps;
    return drainCalls({
      calls: this.#active,
      end: (key, reason) => this.ended(key, reason),
      engine: this.#engine,
      timers: this.#timers,
      log,
      drainTimeoutSeconds: config.recorder.drainTimeoutSeconds,
    }, deadline);
  }

  stop(): Promise<void> {
    logEngineStats(this.#engine, this.#deps.log);
    this.#engine.stop();
    return Promise.resolve();
  }

  // CallControl for the web UI and the agent API. The caller audits pause/resume requests
  // with its actor; the recorder audits only what it does on its own (SRC, auto-resume).

  findActiveCall(idOrKey: string): ActiveCall | null {
    return this.#active.find(idOrKey);
  }

  activeCallForAgent(agentId: string): ActiveCall | null {
    return this.#active.forAgent(agentId);
  }

  listActive(): ActiveCall[] {
    return this.#active.list();
  }

  pause(callId: string, request: PauseRequest): Promise<void> {
    this.#pauses.request(this.#active.byCallId(callId), request);
    return Promise.resolve();
  }

  resume(callId: string, _request: PauseRequest): Promise<void> {
    this.#pauses.release(this.#active.byCallId(callId));
    return Promise.resolve();
  }
}
