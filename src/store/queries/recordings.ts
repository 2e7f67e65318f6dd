/**
 * Recording search and detail. Search filters the denormalized columns of `recordings`,
 * pages by keyset on (started_at DESC, id DESC) and counts the whole match; the caller
 * supplies the access WHERE (src/auth/access.ts), so visibility is never optional.
 */
import {
  type CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  sql,
  type SqlBool,
} from "kysely";
import type { Db } from "../db.ts";
import type { ReadOptions } from "../read_pool.ts";
import type { Database } from "../schema/database.ts";
import type { Recording } from "../schema/recordings.ts";
import { hasNextSegment, listSegments } from "./recording_segments.ts";

/** Search filters; every field optional. Dates are ISO strings (UTC). */
export interface RecordingFilter {
  from?: string;
  to?: string;
  agentId?: string;
  customerId?: string;
  /** Matches ANI or DNIS. */
  number?: string;
  ani?: string;
  dnis?: string;
  businessUnit?: string;
  customerType?: string;
  language?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  interrupted?: boolean;
  noMedia?: boolean;
  sessionExpired?: boolean;
  mediaTimeout?: boolean;
  oneWay?: boolean;
  paused?: boolean;
  legalHold?: boolean;
  /** `key=value` pairs that must all be present in recording_metadata. */
  metadata?: { key: string; value: string }[];
  /** Include tombstones (state deleted/purged); off by default. */
  includeDeleted?: boolean;
}

/** A keyset position: the last row of the previous page. */
export interface Cursor {
  startedAt: string;
  id: string;
}

/** Counting stops here; beyond it the UI shows "1,000+". */
export const COUNT_CAP = 1_000;

/** One page of results. */
export interface RecordingPage {
  rows: Recording[];
  /** Matches, counted up to {@link COUNT_CAP}; null when the count missed its deadline. */
  total: number | null;
  /** True when there are more than {@link COUNT_CAP} matches. */
  totalCapped: boolean;
  next: Cursor | null;
}

type Eb = ExpressionBuilder<Database, "recordings">;
type Where = (eb: Eb) => Expression<SqlBool>;

function filterWhere(f: RecordingFilter): Where {
  return (eb) => {
    const c: Expression<SqlBool>[] = [];
    if (!f.includeDeleted) c.push(eb("recordings.state", "not in", ["deleted", "purged"]));
    if (f.from) c.push(eb("recordings.started_at", ">=", f.from));
    if (f.to) c.push(eb("recordings.started_at", "<", f.to));
    if (f.agentId) {
      // Every agent who took part (transfers add agents), not only the first: the first
      // agent's column, and recording_agents only on rows a transfer added agents to.
      c.push(eb.or([
        eb("recordings.agent_id", "=", f.agentId),
        eb.and([
          eb("recordings.multi_agent", "=", 1),
          eb(
            "recordings.id",
            "in",
            eb.selectFrom("recording_agents").select("recording_agents.recording_id")
              .where("recording_agents.agent_id", "=", f.agentId),
          ),
        ]),
      ]));
    }
    if (f.customerId) c.push(eb("recordings.customer_id", "=", f.customerId));
    if (f.ani) c.push(eb("recordings.ani", "=", f.ani));
    if (f.dnis) c.push(eb("recordings.dnis", "=", f.dnis));
    if (f.number) {
      c.push(eb.or([eb("recordings.ani", "=", f.number), eb("recordings.dnis", "=", f.number)]));
    }
    if (f.businessUnit) c.push(eb("recordings.business_unit", "=", f.businessUnit));
    if (f.customerType) c.push(eb("recordings.customer_type", "=", f.customerType));
    if (f.language) c.push(eb("recordings.language", "=", f.language));
    if (f.minDurationMs !== undefined) c.push(eb("recordings.duration_ms", ">=", f.minDurationMs));
    if (f.maxDurationMs !== undefined) c.push(eb("recordings.duration_ms", "<=", f.maxDurationMs));
    // A set flag is written as a literal so SQLite can use the flag's partial index.
    const flag = (
      v: boolean | undefined,
      col: `recordings.${keyof Recording & `flag_${string}`}` | "recordings.legal_hold",
    ) => {
      if (v === true) c.push(sql<SqlBool>`${sql.ref(col)} = 1`);
      if (v === false) c.push(eb(col, "=", 0));
    };
    flag(f.interrupted, "recordings.flag_interrupted");
    flag(f.noMedia, "recordings.flag_no_media");
    flag(f.sessionExpired, "recordings.flag_session_expired");
    flag(f.mediaTimeout, "recordings.flag_media_timeout");
    flag(f.oneWay, "recordings.flag_one_way");
    flag(f.paused, "recordings.flag_paused");
    flag(f.legalHold, "recordings.legal_hold");
    for (const { key, value } of f.metadata ?? []) {
      c.push(eb(
        "recordings.id",
        "in",
        eb.selectFrom("recording_metadata").select("recording_metadata.recording_id")
          .where("recording_metadata.key", "=", key).where("recording_metadata.value", "=", value),
      ));
    }
    return c.length ? eb.and(c) : sql<SqlBool>`1 = 1`;
  };
}

/** Runs compiled queries elsewhere (the read pool); absent → the main connection. */
export interface ReadRunner {
  run(q: CompiledQuery, options?: ReadOptions): Promise<Record<string, unknown>[]>;
}

/** How a search runs: where, and how long the page may wait for its count. */
export interface SearchOptions {
  reads?: ReadRunner;
  /** With `reads`: answer without a total when the count takes longer than this. */
  countDeadlineMs?: number;
}

/**
 * The matching rows and the columns they are ordered by. With a metadata filter the
 * query is driven from recording_metadata's (key, value, started_at, recording_id)
 * index, so the newest matches come first without sorting every match.
 */
function matches(db: Db, filter: RecordingFilter, access: Where) {
  const [md, ...rest] = filter.metadata ?? [];
  if (!md) {
    const q = db.selectFrom("recordings").where(filterWhere(filter)).where(access);
    return { q, started: sql.ref("recordings.started_at"), id: sql.ref("recordings.id") };
  }
  // The filters are written against `recordings` and stay valid with `md` joined; the
  // result is typed as the plain recordings query, since callers select recordings.*
  // and order by the refs returned here.
  const q = db.selectFrom("recording_metadata as md")
    .innerJoin("recordings", "recordings.id", "md.recording_id")
    .where("md.key", "=", md.key).where("md.value", "=", md.value)
    .where(filterWhere({ ...filter, metadata: rest }) as never)
    .where(access as never) as unknown as ReturnType<typeof db.selectFrom<"recordings">>;
  return { q, started: sql.ref("md.started_at"), id: sql.ref("md.recording_id") };
}

function countQuery(db: Db, filter: RecordingFilter, access: Where) {
  const capped = matches(db, filter, access).q.select(sql`1`.as("one"))
    .limit(COUNT_CAP + 1).as("m");
  return db.selectFrom(capped).select((eb) => eb.fn.countAll<number>().as("n"));
}

/** Counts matches up to {@link COUNT_CAP}; `capped` when there are more. */
export async function countRecordings(
  db: Db,
  filter: RecordingFilter,
  access: Where,
  reads?: ReadRunner,
  options: ReadOptions = {},
): Promise<{ total: number; capped: boolean }> {
  const q = countQuery(db, filter, access);
  const n = Number(
    reads ? (await reads.run(q.compile(), options))[0].n : (await q.executeTakeFirstOrThrow()).n,
  );
  return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

/**
 * Runs a search: one page of up to `limit` rows after `after`, plus the total. With a
 * read pool and a deadline, a count that takes longer is left out (`total: null`) and
 * the caller fetches it separately, so the page itself stays fast.
 */
export async function searchRecordings(
  db: Db,
  filter: RecordingFilter,
  access: Where,
  page: { limit: number; after?: Cursor | null },
  options: SearchOptions = {},
): Promise<RecordingPage> {
  const limit = Math.max(1, Math.min(500, Math.floor(page.limit)));
  const m = matches(db, filter, access);
  let q = m.q.selectAll("recordings");
  const after = page.after;
  if (after) {
    q = q.where(sql<SqlBool>`(${m.started}, ${m.id}) < (${after.startedAt}, ${after.id})`);
  }
  const rowsQuery = q.orderBy(sql`${m.started} desc`).orderBy(sql`${m.id} desc`).limit(limit + 1);
  const { reads } = options;
  // The page's own count is speculative: behind page queries in the pool, and dropped
  // if still queued when the page stops waiting for it.
  const gaveUp = new AbortController();
  const counting = countRecordings(db, filter, access, reads, {
    background: options.countDeadlineMs !== undefined,
    signal: gaveUp.signal,
  });
  // The deadline runs from the start, beside the rows query: the page never waits more
  // than the deadline for its count, however long the rows took.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = reads && options.countDeadlineMs !== undefined
    ? new Promise<null>((r) => timer = setTimeout(() => r(null), options.countDeadlineMs))
    : null;
  let rows: Recording[];
  try {
    rows = reads
      ? (await reads.run(rowsQuery.compile())) as unknown as Recording[]
      : await rowsQuery.execute();
  } catch (e) {
    clearTimeout(timer);
    counting.catch(() => {});
    throw e;
  }
  let count: { total: number; capped: boolean } | null;
  if (deadline) {
    count = await Promise.race([counting, deadline]);
    clearTimeout(timer);
    counting.catch(() => {}); // a late count is abandoned, never an unhandled rejection
    if (count === null) gaveUp.abort();
  } else count = await counting;
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    rows: shown,
    total: count?.total ?? null,
    totalCapped: count?.capped ?? false,
    next: more && last ? { startedAt: last.started_at, id: last.id } : null,
  };
}

/** Encodes a cursor for a URL. */
export function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify([c.startedAt, c.id])).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Decodes a URL cursor; null for anything malformed. */
export function decodeCursor(text: string | undefined): Cursor | null {
  if (!text || text.length > 600) return null;
  try {
    const v = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
    if (Array.isArray(v) && typeof v[0] === "string" && typeof v[1] === "string") {
      return { startedAt: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

/** Everything the recording page shows besides the row itself. */
export async function recordingDetail(db: Db, rec: Recording) {
  const [participants, streams, metadata, pauses, gaps, decisions, call, partitions, agents] =
    await Promise.all([
      db.selectFrom("participants").selectAll().where("recording_id", "=", rec.id)
        .orderBy("joined_ms").orderBy("channel").execute(),
      db.selectFrom("streams").selectAll().where("recording_id", "=", rec.id).orderBy("id")
        .execute(),
      db.selectFrom("recording_metadata").selectAll().where("recording_id", "=", rec.id)
        .orderBy("key").execute(),
      db.selectFrom("pauses").selectAll().where("recording_id", "=", rec.id).orderBy("start_ms")
        .execute(),
      db.selectFrom("gaps").selectAll().where("recording_id", "=", rec.id).orderBy("start_ms")
        .execute(),
      db.selectFrom("rule_decisions").selectAll().where("call_id", "=", rec.call_id).orderBy("id")
        .execute(),
      db.selectFrom("calls").selectAll().where("id", "=", rec.call_id).executeTakeFirst(),
      db.selectFrom("recording_partitions").select("partition").where("recording_id", "=", rec.id)
        .execute(),
      db.selectFrom("recording_agents").selectAll().where("recording_id", "=", rec.id)
        .orderBy("joined_ms").orderBy("agent_id").execute(),
    ]);
  // A call longer than recorder.maxSegmentSeconds: its linked segments, first to last.
  const segments = rec.segment > 1 || await hasNextSegment(db, rec.id)
    ? await listSegments(db, rec.id)
    : [];
  return {
    segments,
    participants,
    streams,
    metadata,
    pauses,
    gaps,
    decisions,
    call,
    partitions: partitions.map((p) => p.partition),
    agents,
  };
}

/** The pauses, gaps and channel roles the waveform draws, in time order. */
export async function recordingSpans(db: Db, recordingId: string) {
  const [pauses, gaps, participants] = await Promise.all([
    db.selectFrom("pauses").selectAll().where("recording_id", "=", recordingId)
      .orderBy("start_ms").execute(),
    db.selectFrom("gaps").selectAll().where("recording_id", "=", recordingId)
      .orderBy("start_ms").execute(),
    db.selectFrom("participants").select(["channel", "role"])
      .where("recording_id", "=", recordingId).execute(),
  ]);
  return { pauses, gaps, participants };
}

/** The detail bundle of {@link recordingDetail}. */
export type RecordingDetail = Awaited<ReturnType<typeof recordingDetail>>;
