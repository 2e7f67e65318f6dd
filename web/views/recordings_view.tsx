/** The recordings search page: filter form, result table, keyset "next page" link. */
import type { Recording } from "../../src/store/schema/recordings.ts";
import { Layout, type PageContext } from "./layout.tsx";

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
  if (r.legal_hold) out.push("legal hold");
  if (r.state !== "complete") out.push(r.state);
  return out;
}

function Text(props: { name: string; label: string; q: Record<string, string>; type?: string }) {
  return (
    <label>
      {props.label}
      <input name={props.name} type={props.type ?? "text"} value={props.q[props.name] ?? ""} />
    </label>
  );
}

function Flag(props: { name: string; label: string; q: Record<string, string> }) {
  const v = props.q[props.name] ?? "";
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="" selected={v === ""}>any</option>
        <option value="yes" selected={v === "yes"}>yes</option>
        <option value="no" selected={v === "no"}>no</option>
      </select>
    </label>
  );
}

/** Renders the search page. */
export function RecordingsPage(props: {
  ctx: PageContext;
  q: Record<string, string>;
  rows: Recording[];
  /** Null when the count is still running; `countHref` then fetches it. */
  total: number | null;
  totalCapped?: boolean;
  countHref?: string;
  nextHref: string | null;
  firstHref: string | null;
}) {
  const q = props.q;
  return (
    <Layout title="Recordings" ctx={props.ctx} scripts={props.total === null ? ["count.js"] : []}>
      <form method="get" action="/recordings" class="filters">
        <Text name="from" label="From" type="date" q={q} />
        <Text name="to" label="To" type="date" q={q} />
        <Text name="agent" label="Agent" q={q} />
        <Text name="customer" label="Customer ID" q={q} />
        <Text name="number" label="ANI/DNIS" q={q} />
        <Text name="bu" label="Business unit" q={q} />
        <Text name="ctype" label="Customer type" q={q} />
        <Text name="lang" label="Language" q={q} />
        <Text name="min_s" label="Min s" type="number" q={q} />
        <Text name="max_s" label="Max s" type="number" q={q} />
        <Flag name="interrupted" label="Interrupted" q={q} />
        <Flag name="no_media" label="No media" q={q} />
        <Flag name="session_expired" label="Session expired" q={q} />
        <Flag name="media_timeout" label="Media timeout" q={q} />
        <Flag name="one_way" label="One-way" q={q} />
        <Flag name="paused" label="Paused" q={q} />
        <Flag name="hold" label="Legal hold" q={q} />
        <Text name="meta" label="Metadata key=value; …" q={q} />
        <button type="submit">Search</button>
      </form>
      {props.total === null
        ? (
          <p class="count" id="result-count" data-count-url={props.countHref}>
            Counting… <a href={props.countHref}>show the count</a>
          </p>
        )
        : (
          <p class="count" id="result-count">
            {props.totalCapped ? `${props.total.toLocaleString("en")}+` : props.total} recordings
          </p>
        )}
      <table class="results">
        <thead>
          <tr>
            <th>Started (UTC)</th>
            <th>Duration</th>
            <th>Agent</th>
            <th>ANI</th>
            <th>DNIS</th>
            <th>Customer</th>
            <th>Business unit</th>
            <th>Flags</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={`/recordings/${encodeURIComponent(r.id)}`}>
                  {r.started_at.replace("T", " ").slice(0, 19)}
                </a>
                {r.segment > 1 && <span class="segment">segment {r.segment}</span>}
              </td>
              <td>{fmtDuration(r.duration_ms)}</td>
              <td>{r.agent_id ?? ""}</td>
              <td>{r.ani ?? ""}</td>
              <td>{r.dnis ?? ""}</td>
              <td>{r.customer_id ?? ""}</td>
              <td>{r.business_unit ?? ""}</td>
              <td>{flagWords(r).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="pager">
        {props.firstHref && <a href={props.firstHref}>First page</a>}{" "}
        {props.nextHref && <a href={props.nextHref} rel="next">Next page</a>}
      </p>
    </Layout>
  );
}
