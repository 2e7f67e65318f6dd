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
import { CallControlError } from "../call_control.ts";
import { opusComment } from "../codec/opus_head.ts";
import { parseDuration } from "../duration.ts";
import {
  createRecording,
  endCall,
  ensureSpool,
  finalizeRecording,
  insertCall,
  inTransaction,
  type RecordingEnd,
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
import type { EncoderBacklog, MediaEngine } from "./media_engine.ts";
import type { CaptureStream } from "./media_protocol.ts";
import type { SessionInfo } from "./session.ts";
import { finishClosed } from "./finalize.ts";
import { recoverySweep } from "./recovery.ts";
import { type EpisodeState, nextEpisode } from "./backlog_gate.ts";
import { type DiskWaitState, nextDiskWait, NO_DISK_WAIT, retryOnFullDisk } from "./disk_waits.ts";
import { clearAlarm, raiseAlarm } from "../store/queries/alarms.ts";
import type { Sample } from "../metrics.ts";
import { type RecorderCounts, recorderSamples } from "./recorder_metrics.ts";

export type { CallDecision, RuleSource } from "./decision.ts";

/** A pause as the recorder tracks it, in the same order as the timeline's spans. */
export interface PauseMeta {
  source: "src" | "agent" | "api" | "auto";
  reasonCode: string | null;
  userId: number | null;
}

interface Active {
  session: SessionInfo;
  callId: string;
  facts: CallFacts;
  decision: CallDecision;
  recordingId: string | null;
  path: string | null;
  startedAt: Date;
  assignment: ChannelAssignment | null;
  pauses: PauseMeta[];
  pausedAt: Date | null;
  autoResume: ReturnType<typeof setTimeout> | null;
  closing: Promise<void> | null;
  /** An RTP packet arrived on some stream of the recording. */
  mediaSeen: boolean;
  /** Raised `rtp.noMediaSeconds` after the media opened with none seen. */
  noMedia: boolean;
  noMediaTimer: ReturnType<typeof setTimeout> | null;
}

/** Of the drain time, at most this much is kept to finish files of calls still running. */
const DRAIN_FINISH_MS = 3000;

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
  engine: MediaEngine;
  /** The rules, or null (record-all mode, or no rules service). */
  rules: RuleSource | null;
  now?: () => Date;
}

/** Records the sessions it is told about. */
export class RecorderService implements Service, CallControl {
  readonly name = "recorder";
  #deps: RecorderDeps;
  #engine: MediaEngine;
  #rules: RuleSource | null;
  #now: () => Date;
  #spoolId = 0;
  #spoolDir: string;
  #active = new Map<string, Active>();
  #counts: RecorderCounts = {
    started: 0,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  #decided = new Map<string, { facts: CallFacts; decision: CallDecision }>();
  /** Spill events seen so far, and whether a spill episode is open (warned once). */
  #backlogSeen: EpisodeState = { spills: 0, journalErrors: 0, open: false };
  /** Files waiting for a disk that refuses writes (warned and alarmed once per episode). */
  #diskWait: DiskWaitState = NO_DISK_WAIT;

  constructor(deps: RecorderDeps) {
    const { engine, log } = deps;
    this.#deps = deps;
    this.#engine = engine;
    this.#rules = deps.rules;
    this.#now = deps.now ?? (() => new Date());
    this.#spoolDir = join(deps.config.dataDir, "recordings");
    engine.onFileError = (rec, error, code) => {
      this.#counts.fileErrors++;
      log.error("recording file write failed; audio so far is kept", { rec, error, code });
    };
    engine.onBacklog = (backlog) => this.#onBacklog(backlog);
    engine.onMedia = (rec) => {
      for (const a of this.#active.values()) {
        if (a.recordingId !== rec) continue;
        a.mediaSeen = true;
        if (a.noMedia) {
          a.noMedia = false;
          log.info("media arrived", { call: a.callId, recording: rec });
        }
      }
    };
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

  /** Warns once per spill episode (encoders behind, audio going to journals). */
  #onBacklog(backlog: EncoderBacklog[]): void {
    const { state, started, ended, newErrors } = nextEpisode(this.#backlogSeen, backlog);
    this.#backlogSeen = state;
    const fields = {
      spills: state.spills,
      encoders: backlog.map((b) => ({
        queuedSeconds: Math.round(b.queuedSeconds * 10) / 10,
        journaledSeconds: Math.round(b.journaledSeconds * 10) / 10,
        spilling: b.spilling,
      })),
    };
    if (newErrors > 0) {
      this.#deps.log.error("spill journal I/O failed; audio is kept in memory instead", {
        journalErrors: state.journalErrors,
      });
    }
    if (started) this.#deps.log.warn("encoders are behind: audio is spilling to journals", fields);
    if (ended) this.#deps.log.info("encoders caught up: journals replayed", fields);
    this.#onDiskWaits();
  }

  /** Warns and raises the `recorder.disk-writes` alarm while recording files wait for the disk. */
  #onDiskWaits(): void {
    const w = nextDiskWait(this.#diskWait, this.#engine.encoderLoad());
    this.#diskWait = w.state;
    const fields = { stalledFiles: w.stalledFiles, error: w.error, stalls: w.state.stalls };
    const now = this.#now();
    const db = this.#deps.store.db;
    const alarm = (p: Promise<unknown>) =>
      p.catch((err) => this.#deps.log.warn("disk-writes alarm not stored", { error: err }));
    if (w.started) {
      this.#deps.log.warn("disk refuses recording writes: audio is held in memory", fields);
    }
    if (w.state.open) {
      const msg = `${w.stalledFiles} recording file(s) waiting for the disk (${w.error})`;
      void alarm(raiseAlarm(db, "recorder.disk-writes", "critical", msg, now));
    }
    if (w.newLostMs > 0) {
      this.#deps.log.error("write buffer full: audio lost while the disk refused writes", {
        ...fields,
        lostMs: Math.round(w.newLostMs),
        writeBufferBytes: this.#deps.config.recorder.writeBufferBytes,
      });
    }
    if (w.ended) {
      this.#deps.log.info("disk takes recording writes again", fields);
      void alarm(clearAlarm(db, "recorder.disk-writes", now));
    }
  }

  /** Runs a store write again while it fails on a full disk (a finalize is never lost). */
  #storeWrite(what: string, job: () => Promise<void>): Promise<void> {
    return retryOnFullDisk(job, {
      onWait: (err) =>
        this.#deps.log.warn(`${what} waits for the disk to take writes`, { error: err }),
    });
  }

  /** Samples for `/metrics`. */
  metrics(): Sample[] {
    let paused = 0;
    for (const a of this.#active.values()) if (a.pausedAt) paused++;
    return recorderSamples({
      active: this.#active.size,
      paused,
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
    const now = this.#now();
    const callId = crypto.randomUUID();
    const active: Active = {
      session,
      callId,
      facts,
      decision,
      recordingId: null,
      path: null,
      startedAt: now,
      assignment: null,
      pauses: [],
      pausedAt: null,
      autoResume: null,
      closing: null,
      mediaSeen: false,
      noMedia: false,
      noMediaTimer: null,
    };
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
          call: callId,
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
    const cfg = this.#deps.config;
    const id = a.recordingId!, assignment = a.assignment!;
    await this.#engine.open(id, this.#captureStreams(a.session, assignment), {
      path: a.path!,
      format: a.decision.format,
      complexity: cfg.recorder.opus.complexity,
      bitrate: cfg.recorder.opus.bitrate,
      silenceGateDbfs: cfg.recorder.opus.silenceGateDbfs,
      pageIntervalMs: cfg.recorder.pageIntervalMs,
      syncIntervalMs: cfg.recorder.fsyncIntervalMs,
      comments: [
        opusComment("CALLID", a.session.sipCallId),
        opusComment("SESSIONID", a.session.sessionId),
        opusComment("RECORDINGID", id),
        ...assignment.participants.map((p) =>
          opusComment("PARTICIPANT", `${p.role}:${p.aor ?? p.id}:ch${p.channel ?? "-"}`)
        ),
      ],
    });
    const timer = setTimeout(() => this.#checkMedia(a), cfg.rtp.noMediaSeconds * 1000);
    Deno.unrefTimer(timer as unknown as number);
    a.noMediaTimer = timer;
  }

  /** The no-media watchdog: warns (once per call) when no stream has sent a packet. */
  #checkMedia(a: Active): void {
    a.noMediaTimer = null;
    if (a.mediaSeen || a.closing || !this.#active.has(a.session.key)) return;
    a.noMedia = true;
    this.#counts.noMedia++;
    this.#deps.log.warn("no media: is the SRC forking RTP to the ports in our answer?", {
      call: a.callId,
      recording: a.recordingId,
      seconds: this.#deps.config.rtp.noMediaSeconds,
      ports: a.session.streams.map((s) => s.port),
    });
  }

  #captureStreams(session: SessionInfo, assignment: ChannelAssignment): CaptureStream[] {
    const rtp = this.#deps.config.rtp;
    return session.streams.filter((s) => s.port > 0).map((s) => ({
      key: s.label,
      port: s.port,
      channel: assignment.streams.get(s.label) ?? 0,
      codecs: s.codecs.map((c) => [c.pt, { name: c.name, clockRate: c.clockRate }]),
      sources: s.remote && {
        policy: rtp.sourcePolicy,
        rtp: { address: s.remote.address, port: s.remote.port },
        rtcp: { address: s.remote.rtcpAddress, port: s.remote.rtcpPort },
        signalling: session.signallingAddress ?? null,
        networks: rtp.mediaNetworks,
      },
    }));
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
        await this.#finishRecording(a, "transfer");
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
      this.#engine.update(a.recordingId, this.#captureStreams(session, assignment));
    }
  }

  /** Pauses the session's recording: digital silence until resumed. */
  #pause(a: Active, meta: PauseMeta): void {
    if (!a.recordingId || a.pausedAt) return;
    this.#engine.pause(a.recordingId);
    a.pauses.push(meta);
    a.pausedAt = this.#now();
    if (meta.source !== "src") {
      a.autoResume = setTimeout(() => {
        this.#resume(a);
        this.#deps.log.warn("pause reached its maximum; recording resumed automatically", {
          call: a.callId,
          maxPauseSeconds: this.#deps.config.recorder.maxPauseSeconds,
        });
        this.#deps.audit.append({
          actor: { type: "system", name: "recorder" },
          action: "call.resume",
          target: { type: "call", id: a.callId },
          recordingId: a.recordingId,
          reason: { code: "auto-resume", text: "maximum pause reached" },
        }).catch((err) => this.#deps.log.error("audit of auto-resume failed", { error: err }));
      }, this.#deps.config.recorder.maxPauseSeconds * 1000);
    }
  }

  #resume(a: Active): void {
    if (!a.recordingId || !a.pausedAt) return;
    this.#engine.resume(a.recordingId);
    a.pausedAt = null;
    if (a.autoResume !== null) clearTimeout(a.autoResume);
    a.autoResume = null;
  }

  /** The SRC paused the session (a=inactive). */
  async srcPaused(key: string): Promise<void> {
    const a = this.#active.get(key);
    if (!a || a.pausedAt) return;
    this.#pause(a, { source: "src", reasonCode: "src-inactive", userId: null });
    await this.#auditSrc(a, "call.pause", "src-inactive");
  }

  /** The SRC resumed the session. */
  async srcResumed(key: string): Promise<void> {
    const a = this.#active.get(key);
    if (!a || !a.pausedAt) return;
    this.#resume(a);
    await this.#auditSrc(a, "call.resume", "src-active");
  }

  /** Audits a pause or resume the SRC signalled (agents' and APIs' are audited by the web). */
  async #auditSrc(a: Active, action: string, code: string) {
    await this.#deps.audit.append({
      actor: { type: "system", name: "src" },
      action,
      target: { type: "call", id: a.callId },
      recordingId: a.recordingId,
      customerId: a.facts.fields.customerId ?? null,
      reason: { code },
    });
  }

  /** The session ended (BYE, CANCEL, timeout). */
  async ended(key: string, reason: string): Promise<void> {
    const a = this.#active.get(key);
    this.#decided.delete(key);
    if (!a) return;
    a.closing ??= (async () => {
      const end = await this.#closeRecording(a, reason);
      // The recording's end and the call's end are one commit.
      await this.#storeWrite("finalize", () =>
        inTransaction(this.#deps.store.db, async (tx) => {
          if (end) await finalizeRecording(tx, end);
          await endCall(tx, a.callId, reason, this.#now());
        }));
      if (end) this.#logFinished(end);
      this.#active.delete(key);
    })();
    await a.closing;
  }

  async #finishRecording(a: Active, reason: string): Promise<void> {
    const end = await this.#closeRecording(a, reason);
    if (!end) return;
    await this.#storeWrite("finalize", () => finalizeRecording(this.#deps.store.db, end));
    this.#logFinished(end);
  }

  /** Stops capture and finishes the file; returns what the store must record, or null. */
  async #closeRecording(a: Active, reason: string): Promise<RecordingEnd | null> {
    const id = a.recordingId, path = a.path;
    if (!id || !path) return null;
    if (a.autoResume !== null) clearTimeout(a.autoResume);
    if (a.noMediaTimer !== null) clearTimeout(a.noMediaTimer);
    a.noMediaTimer = null;
    a.recordingId = null;
    const closed = await this.#engine.close(id);
    const end = await finishClosed(id, path, closed, a.pauses, reason, this.#now());
    this.#counts[end.state]++;
    return { ...end, path: end.path.slice(this.#spoolDir.length + 1) };
  }

  #logFinished(end: RecordingEnd): void {
    this.#deps.log.info("recording finished", {
      recording: end.id,
      state: end.state,
      durationMs: Math.round(end.durationMs),
      flags: end.flags,
    });
  }

  /**
   * Drain, bounded by `deadline` whatever happens: wait for sessions to end, then (with
   * time left to finish files) end the rest as interrupted; recordings still not
   * finished at the deadline are abandoned to the recovery sweep (their `.partial` and
   * `recording` row are closed by it at the next start).
   */
  async drain(deadline: number): Promise<void> {
    const finishMs = Math.min(DRAIN_FINISH_MS, Math.max(0, deadline - Date.now()) / 2);
    while (this.#active.size > 0 && Date.now() < deadline - finishMs) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const ids = new Map([...this.#active].map(([k, a]) => [k, a.recordingId]));
    const ending = [...ids.keys()].map((k) =>
      this.ended(k, "shutdown").catch((err) =>
        this.#deps.log.error("cannot finish recording at shutdown", { session: k, error: err })
      )
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => {
      timer = setTimeout(() => r("late"), Math.max(0, deadline - Date.now()));
    });
    const outcome = await Promise.race([Promise.all(ending), late]);
    clearTimeout(timer);
    if (outcome !== "late") return;
    const left = [...this.#active.keys()].map((k) => ids.get(k)).filter((id) => id != null);
    for (const id of left) this.#engine.abandon(id);
    this.#deps.log.warn("drain deadline reached: recordings left to the recovery sweep", {
      recordings: left,
      drainTimeoutSeconds: this.#deps.config.recorder.drainTimeoutSeconds,
    });
  }

  stop(): Promise<void> {
    const load = this.#engine.encoderLoad();
    const backlog = this.#engine.backlog();
    this.#deps.log.info("media engine stats", {
      opus: this.#engine.backend,
      encoders: load.map((l, i) => ({
        busyMs: Math.round(l.busyMs),
        encodeMs: Math.round(l.encodeMs),
        audioSeconds: Math.round(l.samples / 8000),
        // Stereo seconds encoded per second of libopus time.
        realtimeFactor: l.encodeMs > 0
          ? Math.round((l.samples / 8000) / (l.encodeMs / 1000))
          : null,
        // Recordings that spilled to a journal because this encoder fell behind.
        spills: backlog[i]?.spills ?? 0,
        journalErrors: backlog[i]?.journalErrors ?? 0,
      })),
    });
    this.#engine.stop();
    return Promise.resolve();
  }

  // CallControl for the web UI and the agent API.

  #toActiveCall(a: Active): ActiveCall {
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
        ? new Date(a.pausedAt.getTime() + this.#deps.config.recorder.maxPauseSeconds * 1000)
          .toISOString()
        : null,
      partitions: a.decision.partitions,
      noMedia: a.noMedia,
    };
  }

  findActiveCall(idOrKey: string): ActiveCall | null {
    for (const a of this.#active.values()) {
      const c = this.#toActiveCall(a);
      if ([c.callId, c.siprecSessionId, c.sipCallId, c.ucid].includes(idOrKey)) return c;
    }
    return null;
  }

  activeCallForAgent(agentId: string): ActiveCall | null {
    for (const a of this.#active.values()) {
      if (a.facts.fields.agentId === agentId) return this.#toActiveCall(a);
    }
    return null;
  }

  listActive(): ActiveCall[] {
    return [...this.#active.values()].map((a) => this.#toActiveCall(a));
  }

  #byCallId(callId: string): Active {
    for (const a of this.#active.values()) if (a.callId === callId) return a;
    throw new CallControlError(`No active call "${callId}"`);
  }

  // The caller (the web UI or agent API) audits pause/resume requests with its actor;
  // the recorder audits only what it does on its own (SRC pauses, auto-resume).
  pause(callId: string, request: PauseRequest): Promise<void> {
    const a = this.#byCallId(callId);
    if (!a.recordingId) throw new CallControlError("The call is not being recorded");
    if (!a.decision.allowPause) throw new CallControlError("Pausing is not allowed for this call");
    if (a.pausedAt) throw new CallControlError("The recording is already paused");
    this.#pause(a, {
      source: request.source,
      reasonCode: request.reasonCode,
      userId: request.userId,
    });
    return Promise.resolve();
  }

  resume(callId: string, _request: PauseRequest): Promise<void> {
    const a = this.#byCallId(callId);
    if (!a.pausedAt) throw new CallControlError("The recording is not paused");
    this.#resume(a);
    return Promise.resolve();
  }
}
