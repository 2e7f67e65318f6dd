import type { Generated, Selectable } from "kysely";

/** Recording states: a file is `complete` only after fsync, hash and rename. */
export type RecordingState =
  | "recording"
  | "complete"
  | "interrupted"
  | "missing"
  | "deleted"
  | "purged";

/**
 * One recording file. Search fields are denormalized from the call so that a filtered
 * page at a million rows stays one indexed range scan.
 */
export interface RecordingTable {
  id: string;
  call_id: string;
  state: RecordingState;
  format: "opus" | "wav";
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  size_bytes: number | null;
  sha256: string | null;
  /** Path relative to its storage location's root. */
  path: string;
  storage_location_id: number;
  archived_at: string | null;
  retention_class: string | null;
  expires_at: string | null;
  legal_hold: number;
  mode: string | null;
  rule_id: string | null;
  agent_id: string | null;
  customer_id: string | null;
  business_unit: string | null;
  customer_type: string | null;
  language: string | null;
  ani: string | null;
  dnis: string | null;
  direction: string | null;
  interaction_type: string | null;
  allow_pause: number;
  flag_interrupted: number;
  flag_no_media: number;
  flag_one_way: number;
  flag_paused: number;
  flag_gaps: number;
  /** Media from a source the RTP source policy refused was dropped (migration 0007). */
  flag_foreign_media: Generated<number>;
  /** No RFC 4028 session refresh in time; we sent BYE (migration 0011). */
  flag_session_expired: Generated<number>;
  /** Media stopped for `rtp.inactivitySeconds`; we sent BYE (migration 0011). */
  flag_media_timeout: Generated<number>;
  /** When a read or the scrubber found the stored bytes changed (migration 0017); else null. */
  integrity_failed_at: Generated<string | null>;
  /** How they failed (digest mismatch, chunk authentication), with the file. */
  integrity_detail: Generated<string | null>;
  /** Segment number within the call's chain of segments, from 1 (migration 0012). */
  segment: Generated<number>;
  /** The segment this one continues (`recorder.maxSegmentSeconds`); null for the first. */
  previous_recording_id: string | null;
  /** 1 when a transfer brought another agent onto the recording (migration 0015). */
  multi_agent: Generated<number>;
  /** 1 when the file is sealed (encrypted at rest, src/seal; migration 0016). */
  sealed: Generated<number>;
  /** The KEK that wraps the sealed file's data key; null for plain files (migration 0016). */
  key_id: Generated<string | null>;
  /** Sample rate the recording was made at, fixed at its start (migration 0018). */
  sample_rate: Generated<number>;
  /** Estimated MOS of the worst stream, stored at finish (migration 0019); null before. */
  mos: Generated<number | null>;
  deleted_at: string | null;
  delete_reason: string | null;
  created_at: string;
}
export type Recording = Selectable<RecordingTable>;

/**
 * A recording's partitions (GRECORD_PARTITIONS and rule partitions), the only place they
 * are stored (the `recordings.partitions` string went in migration 0008); the access
 * check matches them against a user's (`*` in a user's list means all).
 */
export interface RecordingPartitionTable {
  recording_id: string;
  partition: string;
}

/**
 * An agent on a recording with their span in ms from the recording's start (migration
 * 0009): the first agent from 0, each agent a transfer brings in from when they joined;
 * `left_ms` null while they stay. Search by agent and the hierarchy check read these.
 */
export interface RecordingAgentTable {
  recording_id: string;
  agent_id: string;
  joined_ms: number;
  left_ms: number | null;
}

/** A participant from RFC 7865 metadata, with the channel it was mixed to. */
export interface ParticipantTable {
  id: Generated<number>;
  recording_id: string;
  participant_key: string;
  aor: string | null;
  name: string | null;
  role: "customer" | "agent" | "unknown";
  channel: number | null;
  joined_ms: number;
  left_ms: number | null;
}

/** One RTP stream (m-line) of a recording with its capture statistics. */
export interface StreamTable {
  id: Generated<number>;
  recording_id: string;
  label: string;
  codec: string;
  payload_type: number | null;
  clock_rate: number | null;
  /** Audio codecs the stream carried, in the order first received (migration 0018). */
  received_codecs: Generated<string | null>;
  port: number | null;
  channel: number | null;
  participant_key: string | null;
  /** JSON of received, expected, lost, duplicated, reordered, jitterMs, ssrcChanges… */
  stats: string;
  first_packet_at: string | null;
  last_packet_at: string | null;
}

/** Metadata key/values (attached data, extension data, headers), indexed for search. */
export interface RecordingMetadataTable {
  recording_id: string;
  key: string;
  value: string;
  /** Its recording's started_at, kept by triggers: orders metadata matches by index. */
  started_at: Generated<string | null>;
}

/** A paused span: digital silence in the file, never audio. */
export interface PauseTable {
  id: Generated<number>;
  recording_id: string;
  start_ms: number;
  end_ms: number | null;
  source: "src" | "agent" | "api" | "auto";
  reason_code: string | null;
  user_id: number | null;
}

/** A media gap longer than 2 s on one channel. */
export interface GapTable {
  id: Generated<number>;
  recording_id: string;
  channel: number;
  start_ms: number;
  end_ms: number;
}

/** A user's named search (the search form's query string), migration 0019. */
export interface SavedSearchTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** URL query string of the search form, e.g. `bu=Sales&from=2026-11-01`. */
  query: string;
  created_at: string;
}
