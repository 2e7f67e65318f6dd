import { type Kysely, sql } from "kysely";

/**
 * Issue 14 (codecs and wideband): each recording's sample rate, fixed at its start (the
 * widest rate its legs carry, capped by `recorder.maxSampleRate`; every earlier
 * recording was made at 8 kHz), and the audio codecs each stream actually carried, in
 * the order first received (`PCMU,G722` after a re-INVITE), null until it finishes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE recordings ADD COLUMN sample_rate INTEGER NOT NULL DEFAULT 8000`
    .execute(db);
  await sql`ALTER TABLE streams ADD COLUMN received_codecs TEXT`.execute(db);
}
