/**
 * The start of a recording: pick its id, file and channels (the plan), bind its RTP
 * ports and start its file, and write its rows. A new call's row, its decision and its
 * recording's rows are one commit; a recording started mid-call (after a transfer)
 * writes only its own rows, after its ports are bound.
 */
import { join } from "node:path";
import type { Config } from "../config.ts";
import { parseDuration } from "../duration.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { createRecording, insertCall, inTransaction } from "../store/queries/recording_writes.ts";
import { carrySegmentAgents } from "../store/queries/recording_segments.ts";
import type { Active } from "./active_calls.ts";
import { assignChannels, type ChannelAssignment } from "./channels.ts";
import { storeDecision } from "./decision.ts";
import { captureStreams, fileSpec } from "./media_spec.ts";
import type { FileSpec } from "./media_protocol.ts";
import type { RecordingSealer } from "./file_seal.ts";
import { markSealed } from "../store/queries/recording_keys.ts";
import type { MediaWatchdog } from "./media_watchdog.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import { countStarted, type RecorderCounts } from "./recorder_metrics.ts";
import type { SegmentTimer } from "./segment_roll.ts";
import { recordingRate } from "./recording_rate.ts";

/** A recording about to start: chosen before its ports are bound and its rows written. */
export interface RecordingPlan {
  id: string;
  /** The file's path relative to the spool directory. */
  rel: string;
  /** The file's full path. */
  path: string;
  now: Date;
  assignment: ChannelAssignment;
}

/** What {@link RecordingStart} works with. */
export interface RecordingStartDeps {
  config: {
    recorder: Config["recorder"];
    rtp: Config["rtp"];
    storage: Pick<Config["storage"], "retentionClasses" | "purgeAfter">;
  };
  engine: Pick<RecorderEngine, "open">;
  db: Db;
  log: Logger;
  now: () => Date;
  /** The spool directory the files go under. */
  spoolDir: string;
  /** The spool's storage location id (known once the recorder started). */
  spoolId: () => number;
  /** Encryption at rest: seals each new recording's file (null or absent: plain files). */
  sealer?: RecordingSealer | null;
  /** The recorder's counters (`started` is counted here). */
  counts: RecorderCounts;
  watchdog: Pick<MediaWatchdog, "arm">;
  /** Starts the timer of the recording's first segment. */
  segments: Pick<SegmentTimer, "arm">;
}

/** Plans, opens and stores the start of recordings. */
export class RecordingStart {
  #deps: RecordingStartDeps;

  constructor(deps: RecordingStartDeps) {
    this.#deps = deps;
  }

  /** Picks the next recording's id, file and channels for the active call (no rows yet). */
  async plan(a: Active): Promise<RecordingPlan> {
    const { config } = this.#deps;
    const { id, rel, path, now } = await this.#place(a);
    a.recordingId = id;
    a.path = path;
    a.segment = 1;
    // Fixed for the whole recording (its segments too): a codec change is resampled.
    a.sampleRate = recordingRate(a.session.streams, config.recorder.maxSampleRate);
    // Mid-call (after a transfer) the roles the call had stick.
    const previous = a.assignment?.participants;
    a.assignment = assignChannels(a.session, config.recorder.leftChannel, previous);
    return { id, rel, path, now, assignment: a.assignment };
  }

  /** A new id and file (its day directory made) for the call's next recording. */
  async #place(a: Active): Promise<Omit<RecordingPlan, "assignment">> {
    const id = crypto.randomUUID();
    const now = this.#deps.now();
    const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
    const rel = `${day}/${id}.${a.decision.format === "wav" ? "wav" : "ogg"}`;
    await Deno.mkdir(join(this.#deps.spoolDir, day), { recursive: true });
    return { id, rel, path: join(this.#deps.spoolDir, rel), now };
  }

  /** The next segment's id and file, with the current channels (the call is not changed). */
  async nextSegment(a: Active): Promise<RecordingPlan> {
    return { ...await this.#place(a), assignment: a.assignment! };
  }

  /** The file settings of the call's current recording. */
  segmentFile(a: Active): FileSpec {
    const file = {
      id: a.recordingId!,
      path: a.path!,
      format: a.decision.format,
      sampleRate: a.sampleRate,
    };
    const spec = fileSpec(file, a.session, a.assignment!, this.#deps.config.recorder);
    const seal = this.#deps.sealer?.newSeal();
    return seal ? { ...spec, seal } : spec;
  }

  /** A new segment's rows, linked to `previousId`, with the agents still on the call. */
  async storeSegment(a: Active, plan: RecordingPlan, previousId: string): Promise<void> {
    await inTransaction(this.#deps.db, async (tx) => {
      await this.#insertRecording(a, plan, tx, { number: a.segment, previousId });
      await carrySegmentAgents(tx, previousId, plan.id);
    });
  }

  /** Binds the planned recording's RTP ports and starts its file; throws when a bind fails. */
  async openMedia(a: Active): Promise<void> {
    const { rtp } = this.#deps.config;
    const id = a.recordingId!, assignment = a.assignment!;
    await this.#deps.engine.open(
      id,
      captureStreams(a.session, assignment, rtp),
      this.segmentFile(a),
    );
    this.#deps.watchdog.arm(a);
    this.#deps.segments.arm(a);
  }

  /** The call, its decision and (when recording) the recording's rows, in one commit. */
  async storeStart(a: Active, plan: RecordingPlan | null): Promise<void> {
    const { session, callId, facts, decision, startedAt } = a;
    await inTransaction(this.#deps.db, async (tx) => {
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
      // A plain fork (no SIPREC in the offer) is stored as such, not as SIPREC.
      const origin = session.source === "fork" ? "fork" : "siprec";
      await storeDecision(tx, { callId, origin, facts, decision });
      if (plan) await this.#insertRecording(a, plan, tx);
    });
  }

  /** A new recording mid-call (after a transfer): bind, then rows; unrecorded if a bind fails. */
  async midCall(a: Active): Promise<void> {
    const plan = await this.plan(a);
    try {
      await this.openMedia(a);
    } catch (err) {
      a.recordingId = a.path = a.assignment = null;
      this.#deps.log.error("cannot open media: the call goes on unrecorded", {
        call: a.callId,
        recording: plan.id,
        error: err,
      });
      return;
    }
    await this.#insertRecording(a, plan, this.#deps.db);
  }

  /** Writes a planned recording's rows (in `db`, maybe a transaction). */
  async #insertRecording(
    a: Active,
    plan: RecordingPlan,
    db: Db,
    segment?: { number: number; previousId: string },
  ): Promise<void> {
    const { storage } = this.#deps.config;
    const { id, rel, now, assignment } = plan;
    const { decision, session } = a;
    const keepFor = decision.retention
      ? storage.retentionClasses[decision.retention]
      : storage.purgeAfter;
    await createRecording(db, {
      recording: {
        id,
        callId: a.callId,
        format: decision.format,
        startedAt: now,
        sampleRate: a.sampleRate,
        path: rel,
        storageLocationId: this.#deps.spoolId(),
        fields: a.facts.fields,
        decision,
        expiresAt: keepFor ? new Date(now.getTime() + parseDuration(keepFor)) : null,
        segment,
      },
      partitions: decision.partitions,
      participants: assignment.participants.map((p) => ({ key: p.id, ...p })),
      streams: session.streams.map((s) => ({
        label: s.label,
        codec: s.codecs.find((c) => c.name !== "telephone-event")?.name ?? "unknown",
        payloadType: s.codecs[0]?.pt ?? null,
        clockRate: s.codecs[0]?.clockRate ?? null,
        port: s.port,
        channel: assignment.streams.get(s.label) ?? null,
        participantKey: session.participants.find((p) => p.sends.includes(s.label))?.id ?? null,
      })),
      metadata: a.facts.data,
    });
    if (this.#deps.sealer) await markSealed(db, id, this.#deps.sealer.keyId);
    countStarted(this.#deps.counts, a.sampleRate);
  }
}
