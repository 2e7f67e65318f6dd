/**
 * Runs a validated recordings search for the signed-in principal: the access WHERE for
 * `recording.search`, then one page in the requested sort (keyset newest first, else
 * offset). Shared by the search page, its JSON answer and the CSV of the page.
 */
import type { Context } from "hono";
import type { AppEnv } from "./context.ts";
import { recordingSearchWhere } from "../src/auth/access.ts";
import {
  PAGE_COUNT_DEADLINE_MS,
  type RecordingPage,
  searchRecordings,
} from "../src/store/queries/recordings.ts";
import { PAGE_SIZE, type ParsedSearch } from "./search_params.ts";

/** One page of the search `s` (which must have no errors). */
export async function runSearch(c: Context<AppEnv>, s: ParsedSearch): Promise<RecordingPage> {
  const svc = c.get("services");
  const access = await recordingSearchWhere(
    svc.store.db,
    c.get("principal")!,
    "recording.search",
    c.get("auth").scope,
  );
  return await searchRecordings(
    svc.store.db,
    s.filter,
    access,
    { limit: PAGE_SIZE, after: s.after, sort: s.sort, offset: s.offset },
    { reads: svc.reads, countDeadlineMs: PAGE_COUNT_DEADLINE_MS },
  );
}

/** The query values a search was asked with, as URL parameters. */
export function queryOf(c: Context<AppEnv>): Record<string, string | undefined> {
  return c.req.query();
}

/** Whether the client asked for JSON (the API), not the page. */
export function wantsJson(c: Context<AppEnv>): boolean {
  const accept = c.req.header("Accept") ?? "";
  return accept.includes("application/json") && !accept.includes("html");
}
