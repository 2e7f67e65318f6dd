/**
 * Writes of the recorder: calls, recordings with their participants, streams, metadata
 * and partitions, and the one-transaction finalize (decisions and quota charges are in
 * decisions.ts). The call row and
 * the recording row are built here only ({@link callRow}, {@link recordingRow}), for new
 * calls and for recordings adopted by the recovery sweep alike.
 */
import type { Insertable } from "kysely";
import type { Db } from "../db.ts";
import type { CallTable, RecordingTable } from "../schema.ts";

/** A call's built-in fields, spelled as the recorder's call facts spell them. */
export type CallFields = Readonly<Record<string, string | undefined>>;

/** What a new call row holds; the end is set later ({@link endCall}). */
export interface CallStart {
  id: string;
  callKey: string;
  source: CallTable["source"];
  sipCallId: string | null;
  siprecSessionId: string | null;
  fields: CallFields;
  startedAt: Date;
  /** The decision's verdict: recorded or not. */
  recorded: boolean;
  /** Flattened session metadata, stored as JSON. */
  metadata: Readonly<Record<string, string>>;
}

/** The call row of a new call (not ended yet). */
export function callRow(c: CallStart): CallTable {
  const f = c.fields;
  return {
    id: c.id,
    call_key: c.callKey,
    sip_call_id: c.sipCallId,
    siprec_session_id: c.siprecSessionId,
    ucid: f.ucid ?? null,
    source: c.source,
    direction: f.direction ?? null,
    ani: f.ani ?? null,
    dnis: f.dnis ?? null,
    dn: f.dn ?? null,
    agent_id: f.agentId ?? null,
    queue: f.queue ?? null,
    business_unit: f.businessUnit ?? null,
    customer_type: f.customerType ?? null,
    language: f.language ?? null,
    customer_id: f.customerId ?? null,
    started_at: c.startedAt.toISOString(),
    ended_at: null,
    end_reason: null,
    recorded: c.recorded ? 1 : 0,
    metadata: JSON.stringify(c.metadata),
  };
}

/** What a new recording row holds; its end, size, hash and flags are set when it ends. */
export interface RecordingStart {
  id: string;
  callId: string;
  format: "opus" | "wav";
  startedAt: Date;
  /** Path relative to the storage location's root. */
  path: string;
  storageLocationId: number;
  /** The call's fields, denormalized onto the row for search. */
  fields: CallFields;
  /** The decision's part of the row; null for a file adopted without one (recovery). */
  decision: {
    mode: string;
    ruleId: string | null;
    retention: string | null;
    allowPause: boolean;
  } | null;
  expiresAt: Date | null;
  /** A later segment of a long call: its number and the segment it continues. */
  segment?: { number: number; previousId: string };
  /** The recording's sample rate (fixed at its start); default 8000. */
  sampleRate?: number;
}

/** The recording row of a recording that has just started (state `recording`). */
export function recordingRow(r: RecordingStart): Insertable<RecordingTable> {
  const f = r.fields, d = r.decision;
  const startedAt = r.startedAt.toISOString();
  return {
    id: r.id,
    call_id: r.callId,
    state: "recording",
    format: r.format,
    started_at: startedAt,
    ended_at: null,
    duration_ms: null,
    size_bytes: null,
    sha256: null,
    path: r.path,
    storage_location_id: r.storageLocationId,
    archived_at: null,
    retention_class: d?.retention ?? null,
    expires_at: r.expiresAt?.toISOString() ?? null,
    legal_hold: 0,
    mode: d?.mode ?? null,
    rule_id: d?.ruleId ?? null,
    agent_id: f.agentId ?? null,
    customer_id: f.customerId ?? null,
    business_unit: f.businessUnit ?? null,
    customer_type: f.customerType ?? null,
    language: f.language ?? null,
    ani: f.ani ?? null,
    dnis: f.dnis ?? null,
    direction: f.direction ?? null,
    interaction_type: f.interactionType ?? "voice",
    allow_pause: d === null || d.allowPause ? 1 : 0,
    flag_interrupted: 0,
    flag_no_media: 0,
    flag_one_way: 0,
    flag_paused: 0,
    flag_gaps: 0,
    deleted_at: null,
    delete_reason: null,
    created_at: startedAt,
    segment: r.segment?.number ?? 1,
    previous_recording_id: r.segment?.previousId ?? null,
    sample_rate: r.sampleRate ?? 8000,
  };
}

/**
 * Runs `fn` in the caller's transaction when `db` is one, else in a new transaction:
 * so a call's start (or end) can be one commit — one fsync with synchronous=FULL.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? await fn(db) : await db.transaction().execute(fn);
}

/** Returns the spool location's id, creating the row on first use. */
export async function ensureSpool(db: Db, path: string): Promise<number> {
  const row = await db.selectFrom("storage_locations").select(["id", "path"]).where(
    "name",
    "=",
    "spool",
  ).executeTakeFirst();
  if (row) {
    if (row.path !== path) {
      await db.updateTable("storage_locations").set({ path }).where("id", "=", row.id).execute();
    }
    return row.id;
  }
  const r = await db.insertInto("storage_locations").values({
    name: "spool",
    kind: "spool",
    path,
    mount_type: null,
    mount_source: null,
    volume_id: null,
    healthy: 1,
    last_check_at: null,
    last_error: null,
  }).returning("id").executeTakeFirstOrThrow();
  return r.id;
}

/** Inserts the row of a new call. */
export async function insertCall(db: Db, call: CallStart): Promise<void> {
  await db.insertInto("calls").values(callRow(call)).execute();
}

/** A new recording with everything known at its start. */
export interface NewRecording {
  recording: RecordingStart;
  /** The decision's partitions, stored as recording_partitions rows. */
  partitions: readonly string[];
  participants: {
    key: string;
    aor: string | null;
    name: string | null;
    role: "customer" | "agent" | "unknown";
    channel: number | null;
  }[];
  streams: {
    label: string;
    codec: string;
    payloadType: number | null;
    clockRate: number | null;
    port: number | null;
    channel: number | null;
    participantKey: string | null;
  }[];
  metadata: Record<string, string>;
}

/** Inserts a recording and its rows in one transaction (or the caller's). */
export async function createRecording(db: Db, r: NewRecording): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.insertInto("recordings").values(recordingRow(r.recording)).execute();
    const id = r.recording.id;
    for (const p of new Set(r.partitions)) {
      await tx.insertInto("recording_partitions").values({ recording_id: id, partition: p })
        .execute();
    }
    for (const p of r.participants) {
      await tx.insertInto("participants").values({
        recording_id: id,
        participant_key: p.key,
        aor: p.aor,
        name: p.name,
        role: p.role,
        channel: p.channel,
        joined_ms: 0,
        left_ms: null,
      }).execute();
    }
    for (const s of r.streams) {
      await tx.insertInto("streams").values({
        recording_id: id,
        label: s.label,
        codec: s.codec,
        payload_type: s.payloadType,
        clock_rate: s.clockRate,
        port: s.port,
        channel: s.channel,
        participant_key: s.participantKey,
        stats: "{}",
        first_packet_at: null,
        last_packet_at: null,
      }).execute();
    }
    for (const [key, value] of Object.entries(r.metadata)) {
      if (value === "") continue;
      await tx.insertInto("recording_metadata").values({ recording_id: id, key, value })
        .onConflict((oc) => oc.doNothing()).execute();
    }
  });
}

/** Everything known when a recording ends. */
export interface RecordingEnd {
  id: string;
  state: "complete" | "interrupted";
  endedAt: Date;
  path: string;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  streamStats: Record<
    string,
    {
      stats: unknown;
      firstPacketAt: string | null;
      lastPacketAt: string | null;
      /** Audio codecs received, in order first seen (e.g. `PCMU`, `G722`). */
      codecs?: readonly string[];
    }
  >;
  pauses: {
    startMs: number;
    endMs: number | null;
    source: "src" | "agent" | "api" | "auto";
    reasonCode: string | null;
    userId: number | null;
  }[];
  gaps: { channel: number; startMs: number; endMs: number }[];
  flags: {
    noMedia: boolean;
    oneWay: boolean;
    interrupted: boolean;
    foreignMedia: boolean;
    sessionExpired?: boolean;
    mediaTimeout?: boolean;
  };
}

/** Marks a recording finished, with its stats, pauses and gaps, in one transaction (or the caller's). */
export async function finalizeRecording(db: Db, e: RecordingEnd): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.updateTable("recordings").set({
      state: e.state,
      ended_at: e.endedAt.toISOString(),
      path: e.path,
      duration_ms: Math.round(e.durationMs),
      size_bytes: e.sizeBytes,
      sha256: e.sha256,
      flag_no_media: e.flags.noMedia ? 1 : 0,
      flag_one_way: e.flags.oneWay ? 1 : 0,
      flag_interrupted: e.flags.interrupted ? 1 : 0,
      flag_foreign_media: e.flags.foreignMedia ? 1 : 0,
      flag_session_expired: e.flags.sessionExpired ? 1 : 0,
      flag_media_timeout: e.flags.mediaTimeout ? 1 : 0,
      flag_paused: e.pauses.length > 0 ? 1 : 0,
      flag_gaps: e.gaps.length,
    }).where("id", "=", e.id).execute();
    for (const [label, s] of Object.entries(e.streamStats)) {
      await tx.updateTable("streams").set({
        stats: JSON.stringify(s.stats),
        first_packet_at: s.firstPacketAt,
        last_packet_at: s.lastPacketAt,
        received_codecs: s.codecs?.length ? s.codecs.join(",") : null,
      }).where("recording_id", "=", e.id).where("label", "=", label).execute();
    }
    await tx.deleteFrom("pauses").where("recording_id", "=", e.id).execute();
    for (const p of e.pauses) {
      await tx.insertInto("pauses").values({
        recording_id: e.id,
        start_ms: Math.round(p.startMs),
        end_ms: p.endMs === null ? null : Math.round(p.endMs),
        source: p.source,
        reason_code: p.reasonCode,
        user_id: p.userId,
      }).execute();
    }
    for (const g of e.gaps) {
      await tx.insertInto("gaps").values({
        recording_id: e.id,
        channel: g.channel,
        start_ms: Math.round(g.startMs),
        end_ms: Math.round(g.endMs),
      }).execute();
    }
  });
}

/** Sets the end of a call. */
export async function endCall(db: Db, callId: string, reason: string, at: Date): Promise<void> {
  await db.updateTable("calls").set({ ended_at: at.toISOString(), end_reason: reason })
    .where("id", "=", callId).execute();
}
