/**
 * The audit trail page: filters, and entries in seven columns that fit a 1,366 px screen
 * (time and sequence, actor and address, action and outcome, subject, reason, details,
 * hash); the table scrolls within itself on a phone. Details are a key/value list, behind
 * a `<details>` toggle when long, never raw JSON.
 */
import type { AuditEvent } from "../../src/store/schema/audit.ts";
import { LocalTime } from "./format.tsx";
import { Layout, type PageContext } from "./layout.tsx";

/** The filter fields: query name and label. */
export const AUDIT_FIELDS = [
  ["user", "User"],
  ["action", "Action"],
  ["recording", "Recording ID"],
  ["customer", "Customer ID"],
  ["from", "From"],
  ["to", "To (inclusive)"],
] as const;

/** Entries shown without a toggle; more go behind `<details>`. */
const OPEN_ENTRIES = 3;
const MAX_VALUE = 160;

/** One detail value as short text: scalars as-is, lists joined, objects as `k: v` pairs. */
export function detailText(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = "–";
  else if (typeof v !== "object") s = String(v);
  else if (Array.isArray(v)) s = v.length === 0 ? "(none)" : v.map(detailText).join(", ");
  else {
    const e = Object.entries(v as Record<string, unknown>);
    s = e.length === 0 ? "(none)" : e.map(([k, x]) => `${k}: ${detailText(x)}`).join("; ");
  }
  return s.length > MAX_VALUE ? s.slice(0, MAX_VALUE - 1) + "…" : s;
}

/** The details JSON as entries; a non-object is one `value` entry, bad JSON its text. */
export function detailEntries(json: string): [string, string][] {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return json ? [["text", detailText(json)]] : [];
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [["value", detailText(v)]];
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, detailText(x)]);
}

function Details(props: { json: string }) {
  const entries = detailEntries(props.json);
  if (entries.length === 0) return <span class="muted">–</span>;
  const list = (
    <dl class="kv compact">
      {entries.map(([k, v]) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{v}</dd>])}
    </dl>
  );
  if (entries.length <= OPEN_ENTRIES) return list;
  return (
    <details>
      <summary>
        {entries.length} fields: {entries.slice(0, 2).map(([k]) => k).join(", ")}…
      </summary>
      {list}
    </details>
  );
}

function Row(props: { e: AuditEvent }) {
  const { e } = props;
  const actor = e.actor_name ?? `${e.actor_type}${e.actor_id ? ` ${e.actor_id}` : ""}`;
  return (
    <tr data-seq={String(e.seq)}>
      <td>
        <LocalTime iso={e.ts} />
        <div class="muted">#{e.seq}</div>
      </td>
      <td>
        {actor}
        {e.actor_name && <div class="muted">{e.actor_type}</div>}
        {e.ip && <div class="muted">{e.ip}</div>}
      </td>
      <td>
        <code>{e.action}</code>
        {e.outcome !== "ok" && <div class="error">{e.outcome}</div>}
      </td>
      <td>
        {e.target_type && <div>{`${e.target_type} ${e.target_id ?? ""}`}</div>}
        {e.recording_id && (
          <div>
            recording{" "}
            <a href={`/recordings/${encodeURIComponent(e.recording_id)}`}>
              {e.recording_id}
            </a>
          </div>
        )}
        {e.customer_id && <div>customer {e.customer_id}</div>}
      </td>
      <td>{[e.reason_code, e.reason_text].filter(Boolean).join(": ")}</td>
      <td>
        <Details json={e.details} />
      </td>
      <td>
        <code title={e.hash}>{e.hash.slice(0, 10)}</code>
      </td>
    </tr>
  );
}

/** Renders the audit page. */
export function AuditPage(props: {
  ctx: PageContext;
  q: Record<string, string>;
  rows: AuditEvent[];
  nextHref: string | null;
  exportHref: string | null;
}) {
  return (
    <Layout title="Audit trail" ctx={props.ctx} scripts={["local_time.js"]}>
      <form method="get" action="/audit" class="filters">
        {AUDIT_FIELDS.map(([name, label]) => (
          <label key={name}>
            {label}
            <input
              name={name}
              type={name === "from" || name === "to" ? "date" : "text"}
              value={props.q[name] ?? ""}
            />
          </label>
        ))}
        <button type="submit">Filter</button>
        {props.exportHref && <a href={props.exportHref}>Export CSV (with chain fields)</a>}
      </form>
      <div class="table-scroll" tabindex={0} role="region" aria-label="Audit entries">
        <table class="audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Subject</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((e) => <Row key={e.seq} e={e} />)}
          </tbody>
        </table>
      </div>
      {props.rows.length === 0 && <p class="notice" role="status">No audit entries match.</p>}
      {props.nextHref && <a href={props.nextHref}>Older entries</a>}
    </Layout>
  );
}
