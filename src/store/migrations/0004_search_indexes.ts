import { type Kysely, sql } from "kysely";

/** Indexes for the search filters that had none (language, customer type). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX recordings_language ON recordings(language, started_at DESC, id DESC)`
    .execute(db);
  await sql`CREATE INDEX recordings_customer_type ON recordings(customer_type, started_at DESC, id DESC)`
    .execute(db);
}
