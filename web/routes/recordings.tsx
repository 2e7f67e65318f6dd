/**
 * `GET /recordings` (search, keyset pages with a total) and `GET /recordings/:id` (the
 * recording page). Both audited; recordings the principal may not see answer 404.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { recordingSearchWhere } from "../../src/auth/access.ts";
import {
  countRecordings,
  decodeCursor,
  encodeCursor,
  recordingDetail,
  searchRecordings,
} from "../../src/store/queries/recordings.ts";
import { filterFromQuery, SEARCH_FIELDS } from "../search_params.ts";
import { RecordingsPage } from "../views/recordings_view.tsx";
import { RecordingPage } from "../views/recording_view.tsx";
import { holdHistory } from "../../src/store/queries/hold_history.ts";
import { pageContext } from "../views/page.ts";
import { auditActor, auditRecording, visibleRecording } from "../recording_access.ts";

const PAGE_SIZE = 50;
/** A page waits this long for its count; a slower count is fetched by the page itself. */
const COUNT_DEADLINE_MS = 60;

function searchQuery(
  c: { req: { query(name: string): string | undefined } },
): Record<string, string> {
  const q: Record<string, string> = {};
  for (const f of SEARCH_FIELDS) {
    const v = c.req.query(f);
    if (v) q[f] = v;
  }
  return q;
}

/** Recordings search and page sub-app. */
export function recordingRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", requirePermission("recording.search"), async (c) => {
    const svc = c.get("services");
    const q = searchQuery(c);
    const filter = filterFromQuery(q);
    const after = decodeCursor(c.req.query("after"));
    const access = await recordingSearchWhere(
      svc.store.db,
      c.get("principal")!,
      "recording.search",
      c.get("auth").scope,
    );
    const page = await searchRecordings(svc.store.db, filter, access, { limit: PAGE_SIZE, after }, {
      reads: svc.reads,
      countDeadlineMs: COUNT_DEADLINE_MS,
    });
    await svc.audit.append({
      ...auditActor(c),
      action: "recording.search",
      details: { filter: q, page: after ? "next" : "first", total: page.total },
    });
    const keep = new URLSearchParams(q);
    const href = (cursor: string | null) => {
      const p = new URLSearchParams(keep);
      if (cursor) p.set("after", cursor);
      return `/recordings?${p}`;
    };
    if (
      c.req.header("Accept")?.includes("application/json") &&
      !c.req.header("Accept")?.includes("html")
    ) {
      return c.json({
        total: page.total,
        totalCapped: page.totalCapped,
        next: page.next ? encodeCursor(page.next) : null,
        recordings: page.rows,
      });
    }
    return c.html(
      <RecordingsPage
        ctx={pageContext(c)}
        q={q}
        rows={page.rows}
        total={page.total}
        totalCapped={page.totalCapped}
        countHref={`/recordings/count?${new URLSearchParams(q)}`}
        nextHref={page.next ? href(encodeCursor(page.next)) : null}
        firstHref={after ? href(null) : null}
      />,
    );
  });
  // The total of a search whose count missed the page's deadline (fetched by count.js).
  r.get("/count", requirePermission("recording.search"), async (c) => {
    const svc = c.get("services");
    const access = await recordingSearchWhere(
      svc.store.db,
      c.get("principal")!,
      "recording.search",
      c.get("auth").scope,
    );
    const count = await countRecordings(
      svc.store.db,
      filterFromQuery(searchQuery(c)),
      access,
      svc.reads,
    );
    return c.json(count);
  });
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
