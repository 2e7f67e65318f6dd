/**
 * `GET /recordings` (search: validated, sorted, keyset or offset pages with a total;
 * JSON for API clients, 400 naming the invalid fields) and `GET /recordings/:id` (the
 * recording page). Both audited; recordings the principal may not see answer 404.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { recordingSearchWhere, recordingViewer } from "../../src/auth/access.ts";
import {
  countRecordings,
  encodeCursor,
  recordingDetail,
  type RecordingPage as ResultPage,
} from "../../src/store/queries/recordings.ts";
import { listSavedSearches } from "../../src/store/queries/saved_searches.ts";
import { errorLine, PAGE_SIZE, type ParsedSearch, parseSearch } from "../search_params.ts";
import { queryOf, runSearch, wantsJson } from "../search_run.ts";
import { ChoiceCache } from "../search_choices.ts";
import { searchExtraRoutes } from "./search_extras.ts";
import { RecordingsPage } from "../views/recordings_view.tsx";
import { RecordingPage } from "../views/recording_view.tsx";
import { holdHistory } from "../../src/store/queries/hold_history.ts";
import { pageContext } from "../views/page.ts";
import { auditActor, auditRecording, visibleRecording } from "../recording_access.ts";

/** Links of a result page: next (cursor or page number), first, count, CSV. */
function pageLinks(s: ParsedSearch, page: ResultPage) {
  const keep = new URLSearchParams(s.q);
  keep.delete("after");
  keep.delete("page");
  const at = (k: string, v: string) => {
    const p = new URLSearchParams(keep);
    p.set(k, v);
    return `/recordings?${p}`;
  };
  const paged = s.after !== null || s.offset > 0;
  const pageParams = new URLSearchParams(s.q);
  return {
    nextHref: page.next
      ? at("after", encodeCursor(page.next))
      : page.nextOffset !== null
      ? at("page", String(page.nextOffset / PAGE_SIZE))
      : null,
    firstHref: paged ? `/recordings?${keep}` : null,
    countHref: `/recordings/count?${keep}`,
    csvHref: `/recordings/results.csv?${pageParams}`,
  };
}

/** The search page (or its JSON answer, or 400 naming the invalid fields). */
async function searchPage(c: Context<AppEnv>, choices: ChoiceCache) {
  const svc = c.get("services");
  const s = parseSearch(queryOf(c));
  const p = c.get("principal")!;
  if (s.errors.length && wantsJson(c)) {
    return c.json({ error: errorLine(s.errors), fields: s.errors }, 400);
  }
  const page = s.errors.length ? null : await runSearch(c, s);
  if (page) {
    await svc.audit.append({
      ...auditActor(c),
      action: "recording.search",
      details: { filter: s.q, page: s.after || s.offset ? "next" : "first", total: page.total },
    });
  }
  if (page && wantsJson(c)) {
    return c.json({
      total: page.total,
      totalCapped: page.totalCapped,
      next: page.next ? encodeCursor(page.next) : null,
      nextPage: page.nextOffset === null ? null : page.nextOffset / PAGE_SIZE,
      recordings: page.rows,
    });
  }
  const viewer = recordingViewer(p, "recording.search", c.get("auth").scope);
  const links = page ? pageLinks(s, page) : null;
  return c.html(
    <RecordingsPage
      ctx={pageContext(c)}
      q={s.q}
      errors={s.errors}
      choices={await choices.choices(svc.store.db, viewer)}
      sort={s.sort}
      rows={page?.rows ?? []}
      total={page ? page.total : 0}
      totalCapped={page?.totalCapped}
      countHref={links?.countHref}
      nextHref={links?.nextHref ?? null}
      firstHref={links?.firstHref ?? null}
      csvHref={p.permissions.has("recording.export") ? links?.csvHref ?? null : null}
      canPlay={p.permissions.has("recording.play")}
      saved={p.userId === null ? [] : await listSavedSearches(svc.store.db, p.userId)}
      canSave={p.userId !== null}
    />,
    s.errors.length ? 400 : 200,
  );
}

/** Recordings search and page sub-app. */
export function recordingRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const choices = new ChoiceCache();
  r.get("/", requirePermission("recording.search"), (c) => searchPage(c, choices));
  // The total of a search whose count missed the page's deadline (fetched by count.js).
  r.get("/count", requirePermission("recording.search"), async (c) => {
    const svc = c.get("services");
    const s = parseSearch(queryOf(c));
    if (s.errors.length) return c.json({ error: errorLine(s.errors), fields: s.errors }, 400);
    const access = await recordingSearchWhere(
      svc.store.db,
      c.get("principal")!,
      "recording.search",
      c.get("auth").scope,
    );
    return c.json(await countRecordings(svc.store.db, s.filter, access, svc.reads));
  });
  r.route("/", searchExtraRoutes());
  r.get("/:id", requirePermission("recording.search", { notFound: true }), async (c) => {
    const svc = c.get("services");
    const rec = await visibleRecording(c, c.req.param("id"), "recording.search");
    const d = await recordingDetail(svc.store.db, rec);
    await svc.audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec)),
      action: "recording.view",
    });
    const p = c.get("principal")!;
    const canPlay = p.permissions.has("recording.play");
    const reasonCodes = c.get("services").config.web.actionReasonCodes;
    return c.html(
      <RecordingPage
        ctx={pageContext(c)}
        rec={rec}
        d={d}
        canPlay={canPlay}
        reasonCodes={reasonCodes}
        holds={await holdHistory(svc.store.db, rec.id)}
      />,
    );
  });
  return r;
}
