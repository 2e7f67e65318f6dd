/**
 * The recordings search page: filter form with pick-lists, the errors that stopped a
 * search, the result table (sortable headers, local times with UTC on hover, inline
 * play), saved searches, the CSV of the page, and the next-page link.
 */
import type { Recording } from "../../src/store/schema/recordings.ts";
import type { SearchSort, SortKey } from "../../src/store/queries/recording_filter.ts";
import type { SavedSearch } from "../../src/store/queries/saved_searches.ts";
import type { FieldError } from "../search_params.ts";
import { LocalTime } from "./format.tsx";
import { Layout, type PageContext } from "./layout.tsx";
import { SavedSearches, type SearchChoices, SearchErrors, SearchForm } from "./search_form.tsx";

/** Formats milliseconds as m:ss. */
export function fmtDuration(ms: number | null): string {
  if (ms === null) return "–";
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Flags of a recording as short words. */
export function flagWords(r: Recording): string[] {
  const out: string[] = [];
  if (r.flag_interrupted) out.push("interrupted");
  if (r.flag_no_media) out.push("no media");
  if (r.flag_one_way) out.push("one-way");
  if (r.flag_paused) out.push("paused");
  if (r.flag_gaps) out.push("gaps");
  if (r.flag_foreign_media) out.push("foreign media");
  if (r.flag_session_expired) out.push("session expired");
  if (r.flag_media_timeout) out.push("media timeout");
  if (r.integrity_failed_at) out.push("integrity check failed");
  if (r.legal_hold) out.push("legal hold");
  if (r.state !== "complete") out.push(r.state);
  return out;
}

/** A column header that sorts by `key` (the other way when it already does). */
function SortHeader(
  props: { by: SortKey; label: string; q: Record<string, string>; sort: SearchSort },
) {
  const on = props.sort.key === props.by;
  const p = new URLSearchParams(props.q);
  p.delete("after");
  p.delete("page");
  p.set("sort", props.by);
  const dir = on ? (props.sort.dir === "asc" ? "desc" : "asc") : null;
  if (dir) p.set("dir", dir);
  else p.delete("dir");
  return (
    <th
      scope="col"
      aria-sort={on ? (props.sort.dir === "asc" ? "ascending" : "descending") : undefined}
    >
      <a href={`/recordings?${p}`} data-sort={props.by}>
        {props.label}
        {on && <span aria-hidden="true">{props.sort.dir === "asc" ? " ▲" : " ▼"}</span>}
      </a>
    </th>
  );
}

/** Rows that can be played inline: finished (or interrupted) files. */
function playable(r: Recording): boolean {
  return r.state === "complete" || r.state === "interrupted";
}

function Row(props: { r: Recording; canPlay: boolean }) {
  const r = props.r;
  return (
    <tr data-id={r.id}>
      <td>
        <a href={`/recordings/${encodeURIComponent(r.id)}`}>
          <LocalTime iso={r.started_at} />
        </a>
        {r.segment > 1 && <span class="segment">segment {r.segment}</span>}
      </td>
      <td>{fmtDuration(r.duration_ms)}</td>
      <td>{r.agent_id ?? ""}</td>
      <td>{r.ani ?? ""}</td>
      <td>{r.dnis ?? ""}</td>
      <td>{r.customer_id ?? ""}</td>
      <td>{r.business_unit ?? ""}</td>
      <td>{r.mos === null ? "–" : r.mos.toFixed(2)}</td>
      <td>{flagWords(r).join(", ")}</td>
      {props.canPlay && (
        <td>
          {playable(r) && (
            <audio
              class="inline-play"
              controls
              preload="none"
              src={`/recordings/${encodeURIComponent(r.id)}/audio`}
              aria-label={`Play the recording of ${r.started_at.slice(0, 16)} UTC`}
            >
            </audio>
          )}
        </td>
      )}
    </tr>
  );
}

/** What the search page shows. */
export interface RecordingsPageProps {
  ctx: PageContext;
  q: Record<string, string>;
  errors: readonly FieldError[];
  choices: SearchChoices;
  sort: SearchSort;
  rows: Recording[];
  /** Null when the count is still running; `countHref` then fetches it. */
  total: number | null;
  totalCapped?: boolean;
  countHref?: string;
  nextHref: string | null;
  firstHref: string | null;
  csvHref: string | null;
  canPlay: boolean;
  saved: SavedSearch[];
  canSave: boolean;
}

/** Renders the search page. */
export function RecordingsPage(props: RecordingsPageProps) {
  const { q, sort } = props;
  const failed = props.errors.length > 0;
  const scripts = ["local_time.js", ...(props.total === null && !failed ? ["count.js"] : [])];
  const keep = new URLSearchParams(q);
  keep.delete("after");
  keep.delete("page");
  const h = (key: SortKey, label: string) => (
    <SortHeader
      by={key}
      label={label}
      q={q}
      sort={sort}
    />
  );
  return (
    <Layout title="Recordings" ctx={props.ctx} scripts={scripts}>
      <SearchForm q={q} errors={props.errors} choices={props.choices} />
      <SavedSearches
        saved={props.saved}
        query={keep.toString()}
        csrf={props.ctx.csrfToken}
        canSave={props.canSave && !failed}
      />
      <SearchErrors errors={props.errors} />
      {failed
        ? null
        : props.total === null
        ? (
          <p class="count" id="result-count" role="status" data-count-url={props.countHref}>
            Counting… <a href={props.countHref}>show the count</a>
          </p>
        )
        : (
          <p class="count" id="result-count" role="status">
            {props.totalCapped ? `${props.total.toLocaleString("en")}+` : props.total} recordings
          </p>
        )}
      {props.csvHref && !failed && (
        <p>
          <a href={props.csvHref} id="csv-link">CSV of this page</a>
        </p>
      )}
      <div class="table-scroll" tabindex={0} role="region" aria-label="Search results">
        <table class="results">
          <thead>
            <tr>
              {h("started", "Started")}
              {h("duration", "Duration")}
              {h("agent", "Agent")}
              <th scope="col">ANI</th>
              <th scope="col">DNIS</th>
              {h("customer", "Customer")}
              {h("bu", "Business unit")}
              {h("mos", "MOS")}
              <th scope="col">Flags</th>
              {props.canPlay && <th scope="col">Play</th>}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => <Row key={r.id} r={r} canPlay={props.canPlay} />)}
          </tbody>
        </table>
      </div>
      <p class="pager">
        {props.firstHref && <a href={props.firstHref}>First page</a>}{" "}
        {props.nextHref && <a href={props.nextHref} rel="next">Next page</a>}
      </p>
    </Layout>
  );
}
