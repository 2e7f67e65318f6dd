/**
 * The call lifecycle: session → rule decision → recording → finalize. The only place
 * that joins signalling, rules, media workers and the store. Also the live call
 * control (agent/API pause and resume with auto-resume) the web UI uses.
 */
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import type { Service } from "../service.ts";
import type { ActiveCall, CallControl, PauseRequest } from "../call_control.ts";
import { parseDuration } from "../duration.ts";
import {
  createRecording,
  ensureSpool,
  insertCall,
  inTransaction,
} from "../store/queries/recording_writes.ts";
import type { Db, Store } from "../store/db.ts";
import { assignChannels, type ChannelAssignment } from "./channels.ts";
import { type CallFacts, callFacts } from "./call_facts.ts";
import {
  type CallDecision,
  decideCall,
  type DecisionOrigin,
  type RuleSource,
  storeDecision,
} from "./decision.ts";
import type { EncoderBacklog } from "./media_protocol.ts";
import type { SessionInfo } from "./session.ts";
import { recoverySweep } from "./recovery.ts";
import type { Sample } from "../metrics.ts";
import { type RecorderCounts, recorderSamples } from "./recorder_metrics.ts";
import { type Active, ActiveCalls, newActive } from "./active_calls.ts";
import { BacklogAlarms } from "./backlog_alarms.ts";
import { MediaWatchdog } from "./media_watchdog.ts";
import { captureStreams, fileSpec } from "./media_spec.ts";
import { PauseControl } from "./pause_control.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import { drainCalls, logEngineStats } from "./recorder_drain.ts";
import { RecordingFinish } from "./recording_finish.ts";
import { realTimers, type Timers } from "./timers.ts";

export type { CallDecision, RuleSource } from "./decision.ts";

export type { PauseMeta } from "./pause_control.ts";

/** A recording about to start: chosen before its ports are bound and its rows written. */
interface RecordingPlan {
  id: string;
  rel: string;
  now: Date;
  assignment: ChannelAssignment;
}

/** What the recorder works with (the composition root builds it). */
export interface RecorderDeps {
  /** The slices of config the recorder reads. */
  config: Pick<Config, "dataDir" | "recorder" | "rtp" | "rules" | "storage">;
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
}

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
  #counts: RecorderCounts = {
    started: 0,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  #decided = new Map<string, { facts: CallFacts; decision: CallDecision }>();
  #pauses: PauseControl;
  #watchdog: MediaWatchdog;
  #finish: RecordingFinish;

  constructor(deps: RecorderDeps) {
    const { engine, log, config } = deps;
    this.#deps = deps;
    this.#engine = engine;
    this.#timers = deps.timers ?? realTimers(deps.now);
    this.#now = () => this.#timers.now();
    this.#spoolDir = join(config.dataDir, "recordings");
    const { maxPauseSeconds, writeBufferBytes } = config.recorder;
    this.#active = new ActiveCalls(maxPauseSeconds);
    const timers = this.#timers, audit = deps.audit, counts = this.#counts;
    this.#pauses = new PauseControl({ engine, timers, log, audit, maxPauseSeconds });
    const { noMediaSeconds } = config.rtp, calls = this.#active;
    const watchdog = new MediaWatchdog({ calls, timers, log, counts, noMediaSeconds });
    this.#watchdog = watchdog;
    const db = deps.store.db, now = this.#now, pauses = this.#pauses, spoolDir = this.#spoolDir;
    this.#finish = new RecordingFinish({
      engine,
      db,
      log,
      now,
      spoolDir,
      counts,
      pauses,
      watchdog,
    });
    const alarms = new BacklogAlarms({ engine, db, log, now, writeBufferBytes });
    engine.onFileError = (rec, error, code) => {
      this.#counts.fileErrors++;
      log.error("recording file write failed; audio so far is kept", { rec, error, code });
    };
    engine.onBacklog = (backlog) => alarms.onBacklog(backlog);
    engine.onMedia = (rec) => this.#watchdog.mediaArrived(rec);
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

  /** Sessions in progress. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** The rule decision for a new session (called before the SIP answer). */
  decide(session: SessionInfo): CallDecision {
    const facts = callFacts(session);
    const decision = decideCall(this.#deps, facts, this.#now());
    this.#decided.set(session.key, { facts, decision });
    return decision;
  }

  /** A session was answered: store the call, and start recording when decided so. */
  async started(session: SessionInfo): Promise<void> {
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
    const plan = decision.record ? await this.#planRecording(active) : null;
    if (plan) {
      this.#active.set(session.key, active);
      try {
        await this.#openMedia(active);
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
      await this.#storeStart(active, plan);
    } catch (err) {
      if (plan) {
        this.#active.delete(session.key);
        this.#engine.abandon(plan.id);
      }
      throw err;
    }
    this.#active.set(session.key, active);
    if (!plan) this.#counts.notRecorded++;
  }

  /** The call, its decision and (when recording) the recording's rows, in one commit. */
  async #storeStart(active: Active, plan: RecordingPlan | null): Promise<void> {
    const { session, callId, facts, decision, startedAt } = active;
    await inTransaction(this.#deps.store.db, async (tx) => {
      await insertCall(tx, {
        id: callId,
        callKey: facts.callKey,
        source: session.source,
        sipCallId: session.sipCallId,
        siprecSessionId: session.source === "siprec" ? session.sessionId : null,
        fields: facts.fields,
        startedAt,
        recorded: decision.record,
        metadata: facts.data,
      });
      await this.#storeDecision(tx, callId, facts, decision, "siprec");
      if (plan) await this.#insertRecording(active, plan, tx);
    });
  }

  #storeDecision(
    db: Db,
    callId: string,
    facts: CallFacts,
    decision: CallDecision,
    origin: DecisionOrigin,
  ): Promise<void> {
    return storeDecision(db, { callId, origin, facts, decision });
  }

  /** A new recording mid-call (after a transfer): bind, then rows; unrecorded if a bind fails. */
  async #startRecording(a: Active): Promise<void> {
    const plan = await this.#planRecording(a);
    try {
      await this.#openMedia(a);
    } catch (err) {
      a.recordingId = a.path = a.assignment = null;
      this.#deps.log.error("cannot open media: the call goes on unrecorded", {
        call: a.callId,
        recording: plan.id,
        error: err,
      });
      return;
    }
    await this.#insertRecording(a, plan, this.#deps.store.db);
  }

  /** Picks the next recording's id, file and channels for the active call (no rows yet). */
  async #planRecording(a: Active): Promise<RecordingPlan> {
    const id = crypto.randomUUID();
    const now = this.#now();
    const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
    const rel = `${day}/${id}.${a.decision.format === "wav" ? "wav" : "ogg"}`;
    await Deno.mkdir(join(this.#spoolDir, day), { recursive: true });
    a.recordingId = id;
    a.path = join(this.#spoolDir, rel);
    a.assignment = assignChannels(a.session, this.#deps.config.recorder.leftChannel);
    return { id, rel, now, assignment: a.assignment };
  }

  /** Writes a planned recording's rows (in `db`, maybe a transaction). */
  async #insertRecording(a: Active, plan: RecordingPlan, db: Db): Promise<void> {
    const cfg = this.#deps.config;
    const { id, rel, now, assignment } = plan;
    const { decision } = a;
    const keepFor = decision.retention
      ? cfg.storage.retentionClasses[decision.retention]
      : cfg.storage.purgeAfter;
    await createRecording(db, {
      recording: {
        id,
        callId: a.callId,
        format: decision.format,
        startedAt: now,
        path: rel,
        storageLocationId: this.#spoolId,
        fields: a.facts.fields,
        decision,
        expiresAt: keepFor ? new Date(now.getTime() + parseDuration(keepFor)) : null,
      },
      partitions: decision.partitions,
      participants: assignment.participants.map((p) => ({ key: p.id, ...p })),
      streams: a.session.streams.map((s) => ({
        label: s.label,
        codec: s.codecs.find((c) => c.name !== "telephone-event")?.name ?? "unknown",
        payloadType: s.codecs[0]?.pt ?? null,
        clockRate: s.codecs[0]?.clockRate ?? null,
        port: s.port,
        channel: assignment.streams.get(s.label) ?? null,
        participantKey: a.session.participants.find((p) => p.sends.includes(s.label))?.id ?? null,
      })),
      metadata: a.facts.data,
    });
    this.#counts.started++;
  }

  /** Binds the recording's RTP ports and starts its file; throws when a bind fails. */
  async #openMedia(a: Active): Promise<void> {
    const { rtp, recorder } = this.#deps.config;
    const id = a.recordingId!, assignment = a.assignment!;
    const file = { id, path: a.path!, format: a.decision.format };
    await this.#engine.open(
      id,
      captureStreams(a.session, assignment, rtp),
      fileSpec(file, a.session, assignment, recorder),
    );
    this.#watchdog.arm(a);
  }

  /** Mid-call update: new streams or codecs, or new participants (a transfer). */
  async updated(session: SessionInfo): Promise<void> {
    const a = this.#active.get(session.key);
    if (!a) return;
    const before = new Set(a.session.participants.map((p) => p.aor ?? p.id));
    const transfer = session.participants.some((p) => !before.has(p.aor ?? p.id));
    a.session = session;
    if (transfer) {
      const facts = callFacts(session);
      const again = this.decide(session);
      this.#decided.delete(session.key);
      await this.#storeDecision(this.#deps.store.db, a.callId, facts, again, "update");
      if (a.decision.mode === "destination" && a.recordingId) {
        // Agent-side recording stops at the transfer; the new leg is decided afresh.
        await this.#finish.finishRecording(a, "transfer");
        a.facts = facts;
        a.decision = again;
        a.pauses = [];
        if (again.record) await this.#startRecording(a);
        return;
      }
      a.facts = facts;
      if (!a.recordingId && again.record) {
        a.decision = again;
        await this.#startRecording(a);
        return;
      }
    }
    if (a.recordingId && a.assignment) {
      const assignment = assignChannels(session, this.#deps.config.recorder.leftChannel);
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
