/**
 * Recording search and detail. Search filters the denormalized columns of `recordings`
 * (recording_filter.ts), pages newest first by keyset on (started_at DESC, id DESC) or,
 * in another sort order, by offset, and counts the whole match; the caller
 * supplies the access WHERE (src/auth/access.ts), so visibility is never optional.
 */
import { type CompiledQuery, sql, type SqlBool } from "kysely";
import type { Db } from "../db.ts";
import type { ReadOptions } from "../read_pool.ts";
import type { Recording } from "../schema/recordings.ts";
import {
  DEFAULT_SORT,
  filterWhere,
  type RecordingFilter,
  type SearchSort,
  sortTerms,
  type Where,
} from "./recording_filter.ts";
import { planPrefixMatches } from "./prefix_plan.ts";
import { scopedNumberCandidates } from "./prefix_page.ts";

export type { RecordingFilter, SearchSort } from "./recording_filter.ts";
export { type RecordingDetail, recordingDetail, recordingSpans } from "./recording_detail.ts";

/** A keyset position: the last row of the previous page. */
export interface Cursor {
  startedAt: string;
  id: string;
}

/**
 * How long the web UI's page waits for its count before answering without it (the page
 * then fetches the count itself): a count that needs longer never holds the page up.
 */
export const PAGE_COUNT_DEADLINE_MS = 25;

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
  /** In a sort other than newest first: the offset of the next page, or null. */
  nextOffset: number | null;
}

/** How far offset paging goes (a sorted result is for its first pages). */
export const MAX_OFFSET = 10_000;

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
 * How the matches are found: `any` (SQLite's choice: counts), `newest` (a page newest
 * first), `walk` (a page in another sort, walking that sort's index).
 */
type Drive = "any" | "newest" | "walk";

/**
 * The matching rows and the columns they are ordered by. With a metadata filter the
 * query is driven from recording_metadata's (key, value, started_at, recording_id)
 * index, so the newest matches come first without sorting every match; a supervisor's
 * number prefix newest first, from its candidates ordered on index entries
 * (prefix_page.ts).
 */
function matches(db: Db, filter: RecordingFilter, access: Where, drive: Drive = "any") {
  const [md, ...rest] = filter.metadata ?? [];
  const plan = filter.prefixPlan;
  if (!md && drive === "newest" && filter.number && plan?.number === "scope" && plan.scopeAgents) {
    // Each row read is tested in full; the number again as a `scan` term, so SQLite
    // keeps the candidates as the outer loop.
    const c = scopedNumberCandidates(db, filter.number, plan.scopeAgents).as("c");
    const q = db.selectFrom(c)
      .innerJoin("recordings", (j) => j.on(sql<SqlBool>`recordings.rowid = c.k`))
      .where(filterWhere({ ...filter, prefixPlan: { ...plan, number: "scan" } }) as never)
      .where(access as never) as unknown as ReturnType<typeof db.selectFrom<"recordings">>;
    return { q, started: sql.ref("c.started_at"), id: sql.ref("c.id") };
  }
  if (!md) {
    // Walk: the filter inside a function call, which SQLite never splits into index
    // terms, so a page in another sort walks that sort's index and tests each row.
    const where: Where = drive === "walk"
      ? (eb) => sql<SqlBool>`coalesce(${filterWhere(filter)(eb)}, 0)`
      : filterWhere(filter);
    const q = db.selectFrom("recordings").where(where).where(access);
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

/**
 * The access WHERE of a search (src/auth/access.ts `recordingSearchWhere`), with the
 * agents the viewer may see when that is a finite list (prefix plans use it).
 */
export type SearchAccess = Where & { readonly scopeAgents?: readonly string[] };

/** The prefix plan of `filter` for the viewer `access` describes. */
function plan(db: Db, filter: RecordingFilter, access: SearchAccess): Promise<RecordingFilter> {
  return planPrefixMatches(db, filter, { scopeAgents: access.scopeAgents });
}

/**
 * A count needs no order: a number prefix the page finds by walking the page order
 * (`scan`, many matches) is counted through the ANI/DNIS indexes instead, which stop
 * after {@link COUNT_CAP} matches among the prefix's own rows rather than walking the
 * table for them.
 */
function countPlan(f: RecordingFilter): RecordingFilter {
  const p = f.prefixPlan;
  return p?.number === "scan" ? { ...f, prefixPlan: { ...p, number: "index" } } : f;
}

/** Counts matches up to {@link COUNT_CAP}; `capped` when there are more. */
export async function countRecordings(
  db: Db,
  filter: RecordingFilter,
  access: SearchAccess,
  reads?: ReadRunner,
  options: ReadOptions = {},
): Promise<{ total: number; capped: boolean }> {
  const q = countQuery(db, countPlan(await plan(db, filter, access)), access);
  const n = Number(
    reads ? (await reads.run(q.compile(), options))[0].n : (await q.executeTakeFirstOrThrow()).n,
  );
  return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

/** Which page: up to `limit` rows after `after` (newest first) or from `offset` (other sorts). */
export interface PageRequest {
  limit: number;
  after?: Cursor | null;
  sort?: SearchSort;
  offset?: number;
}

/** The page's rows query: keyset in the default order, else the sort's terms and offset. */
function isDefaultSort(sort: SearchSort): boolean {
  return sort.key === DEFAULT_SORT.key && sort.dir === DEFAULT_SORT.dir;
}

/**
 * Above this many matches of the filter, a page in a sort other than newest first walks
 * the sort's index (matches are dense, a page comes quickly) rather than fetching every
 * match through the filter's index and sorting them all.
 */
export const SORT_WALK_MIN = 4000;

/**
 * Whether `filter` alone matches more than {@link SORT_WALK_MIN} rows, counted by index:
 * tombstones count too, so a one-column filter never reads the table (it only picks a plan).
 */
async function broadFilter(db: Db, filter: RecordingFilter): Promise<boolean> {
  const f = { ...filter, includeDeleted: true };
  const capped = db.selectFrom("recordings").where(filterWhere(f)).select(sql`1`.as("one"))
    .limit(SORT_WALK_MIN + 1).as("m");
  const row = await db.selectFrom(capped).select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n) > SORT_WALK_MIN;
}

function pageQuery(
  db: Db,
  filter: RecordingFilter,
  access: Where,
  page: PageRequest,
  walkSort: boolean,
) {
  const limit = Math.max(1, Math.min(500, Math.floor(page.limit)));
  const sort = page.sort ?? DEFAULT_SORT;
  const m = matches(db, filter, access, walkSort ? "walk" : isDefaultSort(sort) ? "newest" : "any");
  let q = m.q.selectAll("recordings");
  if (isDefaultSort(sort)) {
    const after = page.after;
    if (after) {
      q = q.where(sql<SqlBool>`(${m.started}, ${m.id}) < (${after.startedAt}, ${after.id})`);
    }
    return {
      limit,
      offset: null,
      q: q.orderBy(sql`${m.started} desc`).orderBy(sql`${m.id} desc`).limit(limit + 1),
    };
  }
  const offset = Math.max(0, Math.min(MAX_OFFSET, Math.floor(page.offset ?? 0)));
  for (const t of sortTerms(sort)) q = q.orderBy(t);
  return { limit, offset, q: q.limit(limit + 1).offset(offset) };
}

/**
 * Runs a search: one page of up to `limit` rows, plus the total. With a read pool and a
 * deadline, a count that takes longer is left out (`total: null`) and the caller
 * fetches it separately, so the page itself stays fast.
 */
export async function searchRecordings(
  db: Db,
  filter: RecordingFilter,
  access: SearchAccess,
  page: PageRequest,
  options: SearchOptions = {},
): Promise<RecordingPage> {
  filter = await plan(db, filter, access);
  const walkSort = !isDefaultSort(page.sort ?? DEFAULT_SORT) && !filter.metadata?.length &&
    await broadFilter(db, filter);
  const { limit, offset, q: rowsQuery } = pageQuery(db, filter, access, page, walkSort);
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
    next: more && last && offset === null ? { startedAt: last.started_at, id: last.id } : null,
    nextOffset: more && offset !== null && offset + limit <= MAX_OFFSET ? offset + limit : null,
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
