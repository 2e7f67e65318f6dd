/**
 * Journals of the key-management commands (migration 0023): a row exists only while one
 * recording's step is in flight, so a run after a crash knows exactly what to finish.
 */

/**
 * `selrec keys rotate`: one recording's key slot about to be rewritten in place. Both
 * slots are kept, so a torn write is completed with the same bytes.
 */
export interface KeyRewrapJobTable {
  recording_id: string;
  location_id: number;
  /** The file's path relative to its location's root. */
  path: string;
  old_key_id: string;
  /** The 104-byte key slot before (key id and wrapped data key). */
  old_slot: Uint8Array;
  new_key_id: string;
  /** The 104-byte key slot being written. */
  new_slot: Uint8Array;
  created_at: string;
}

/**
 * `selrec keys encrypt-existing`: a plain recording being converted; the sealed file is
 * written beside it under `sealed_path` and the row switched before the plain one goes.
 */
export interface SealJobTable {
  recording_id: string;
  location_id: number;
  plain_path: string;
  sealed_path: string;
  created_at: string;
}

/**
 * Who holds a recording's read-convert-switch window (migration 0024): a key command or
 * the archive loop. See src/archive/recording_claim.ts.
 */
export interface RecordingClaimTable {
  recording_id: string;
  /** A token unique to the holding run. */
  holder: string;
  /** The holder's process id: a claim of a process that is gone can be taken over. */
  pid: number;
  /** What it is doing ("archive", "keys rotate", "keys encrypt-existing"). */
  purpose: string;
  expires_at: string;
}
