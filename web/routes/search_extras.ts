/**
 * Around the recordings search: `GET /recordings/results.csv` (the result page as CSV,
 * audited as `recording.search_export` with the filter, row count and SHA-256; needs
 * `recording.search` and `recording.export`), and a user's saved searches
 * (`POST /recordings/saved`, `POST /recordings/saved/:id/delete`, audited as
 * `search.save` / `search.delete` like other account changes).
 */
import { Hono } from "hono";
import { createHash } from "node:crypto";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import { auditActor } from "../recording_access.ts";
import { errorLine, parseSearch, SEARCH_FIELDS } from "../search_params.ts";
import { queryOf, runSearch } from "../search_run.ts";
import { safeCsvLine } from "../../src/audit/csv.ts";
import type { Recording } from "../../src/store/schema/recordings.ts";
import { flagWords } from "../views/recordings_view.tsx";
import {
  countSavedSearches,
  deleteSavedSearch,
  saveSearch,
} from "../../src/store/queries/saved_searches.ts";

/** At most this many saved searches per user. */
export const MAX_SAVED_SEARCHES = 50;

const CSV_COLUMNS: [string, (r: Recording) => string | number | null][] = [
  ["id", (r) => r.id],
  ["started_at_utc", (r) => r.started_at],
  ["duration_s", (r) => r.duration_ms === null ? null : Math.round(r.duration_ms / 1000)],
  ["agent_id", (r) => r.agent_id],
  ["ani", (r) => r.ani],
  ["dnis", (r) => r.dnis],
  ["customer_id", (r) => r.customer_id],
  ["business_unit", (r) => r.business_unit],
  ["customer_type", (r) => r.customer_type],
  ["language", (r) => r.language],
  ["mos", (r) => r.mos],
  ["state", (r) => r.state],
  ["flags", (r) => flagWords(r).join(" ")],
];

/** The rows as CSV (formulas defused, as every export). */
export function resultsCsv(rows: readonly Recording[]): string {
  return safeCsvLine(CSV_COLUMNS.map(([h]) => h)) +
    rows.map((r) => safeCsvLine(CSV_COLUMNS.map(([, f]) => f(r)))).join("");
}

/** The query string of a saved search: only search fields, each non-empty. */
function cleanQuery(text: string): string {
  const given = new URLSearchParams(text);
  const out = new URLSearchParams();
  for (const f of SEARCH_FIELDS) {
    const v = given.get(f)?.trim();
    if (v) out.set(f, v);
  }
  return out.toString();
}

/** The CSV and saved-search routes; mounted on the recordings sub-app before `/:id`. */
export function searchExtraRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get(
    "/results.csv",
    requirePermission("recording.search"),
    requirePermission("recording.export"),
    async (c) => {
      const s = parseSearch(queryOf(c));
      if (s.errors.length) return c.json({ error: errorLine(s.errors), fields: s.errors }, 400);
      const page = await runSearch(c, s);
      const body = resultsCsv(page.rows);
      const sha256 = createHash("sha256").update(body).digest("hex");
      await c.get("services").audit.append({
        ...auditActor(c),
        action: "recording.search_export",
        details: { filter: s.q, rows: page.rows.length, sha256 },
      });
      return c.body(body, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="selrec-recordings.csv"`,
      });
    },
  );
  r.post("/saved", requirePermission("recording.search"), async (c) => {
    const p = c.get("principal")!;
    if (p.userId === null) httpError(400, "saved searches belong to users, not tokens");
    const body = await c.req.parseBody();
    const name = String(body.name ?? "").trim();
    if (name === "" || name.length > 80) httpError(400, "name: 1 to 80 characters");
    const query = cleanQuery(String(body.query ?? ""));
    const s = parseSearch(Object.fromEntries(new URLSearchParams(query)));
    if (s.errors.length) httpError(400, `query: ${errorLine(s.errors)}`);
    const db = c.get("services").store.db;
    if (await countSavedSearches(db, p.userId) >= MAX_SAVED_SEARCHES) {
      httpError(400, `name: at most ${MAX_SAVED_SEARCHES} saved searches; delete one first`);
    }
    const id = await saveSearch(db, p.userId, name, query, new Date());
    await c.get("services").audit.append({
      ...auditActor(c),
      action: "search.save",
      target: { type: "saved_search", id: String(id) },
      details: { name, query },
    });
    return c.redirect(`/recordings?${query}`, 303);
  });
  r.post("/saved/:id/delete", requirePermission("recording.search"), async (c) => {
    const p = c.get("principal")!;
    const id = Number(c.req.param("id"));
    const gone = p.userId !== null && Number.isSafeInteger(id)
      ? await deleteSavedSearch(c.get("services").store.db, p.userId, id)
      : undefined;
    if (!gone) httpError(404, "no such saved search");
    await c.get("services").audit.append({
      ...auditActor(c),
      action: "search.delete",
      target: { type: "saved_search", id: String(id) },
      details: { name: gone.name, query: gone.query },
    });
    return c.redirect("/recordings", 303);
  });
  return r;
}
