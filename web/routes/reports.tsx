/**
 * `GET /reports` (the list), `GET /reports/:id` (filters, server-rendered SVG chart,
 * table), `GET /reports/:id/chart.svg` and `GET /reports/:id/csv` (audited as
 * `report.export`). Needs `report.view`; the CSV needs `report.export`. Every report
 * counts only what the reader may see (the search access rule, src/reports/scope.ts).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { raw } from "hono/html";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import { auditActor } from "../recording_access.ts";
import { Layout, type PageContext } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import { isoBound } from "../../src/audit/query.ts";
import { FILTER_FIELDS, type ReportFilters, type ReportParams } from "../../src/reports/params.ts";
import {
  findReport,
  reportCsv,
  type ReportInputs,
  type ReportResult,
  REPORTS,
  type ReportTemplate,
} from "../../src/reports/catalog.ts";
import { renderChart } from "../../src/reports/chart.ts";
import { reportAccess } from "../../src/reports/scope.ts";
import { inclusiveTo } from "./audit.tsx";

/** Inputs that live outside the database, wired by the lead. */
export interface ReportRouteOptions {
  /** Rule id → target sample % from the loaded rules. */
  targets?: () => Readonly<Record<string, number>>;
  /** Spool capacity in bytes (else the `capacity` query parameter, in GB). */
  capacityBytes?: () => number | null | Promise<number | null>;
  now?: () => Date;
}

const DAY = 86_400_000;

function paramsOf(
  c: Context<AppEnv>,
  now: Date,
): { q: Record<string, string>; params: ReportParams } {
  const q: Record<string, string> = {};
  for (const name of ["from", "to", "capacity", ...FILTER_FIELDS.map((f) => f.param)]) {
    const v = c.req.query(name)?.trim();
    if (v) q[name] = v;
  }
  const today = now.toISOString().slice(0, 10);
  q.from ??= new Date(Date.parse(today) - 29 * DAY).toISOString().slice(0, 10);
  q.to ??= today;
  const filters: ReportFilters = {};
  for (const f of FILTER_FIELDS) if (q[f.param]) filters[f.key] = q[f.param];
  try {
    return { q, params: { from: isoBound(q.from), to: isoBound(inclusiveTo(q.to)), filters } };
  } catch (err) {
    httpError(400, (err as Error).message);
  }
}

async function runReport(
  c: Context<AppEnv>,
  options: ReportRouteOptions,
): Promise<{ t: ReportTemplate; q: Record<string, string>; result: ReportResult }> {
  const t = findReport(c.req.param("id") ?? "");
  if (!t) httpError(404, "no such report");
  const now = options.now?.() ?? new Date();
  const { q, params } = paramsOf(c, now);
  const svc = c.get("services"), db = svc.store.db;
  params.access = await reportAccess(db, c.get("principal")!, svc.config.auth.scope);
  const gb = Number(q.capacity);
  const inputs: ReportInputs = {
    now,
    targets: options.targets?.() ?? {},
    capacityBytes: options.capacityBytes
      ? await options.capacityBytes()
      : Number.isFinite(gb) && gb > 0
      ? Math.round(gb * 1e9)
      : null,
  };
  return { t, q, result: await t.run(db, params, inputs) };
}

/** Reports sub-app; the lead mounts it at `/reports`. */
export function reportRoutes(options: ReportRouteOptions = {}): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", requirePermission("report.view"), (c) => c.html(<ReportList ctx={pageContext(c)} />));

  r.get("/:id", requirePermission("report.view"), async (c) => {
    const { t, q, result } = await runReport(c, options);
    const canExport = c.get("principal")!.permissions.has("report.export");
    return c.html(
      <ReportPage
        ctx={pageContext(c)}
        t={t}
        q={q}
        result={result}
        csvHref={canExport ? `/reports/${t.id}/csv?${new URLSearchParams(q)}` : null}
      />,
    );
  });

  r.get("/:id/chart.svg", requirePermission("report.view"), async (c) => {
    const { result } = await runReport(c, options);
    return c.body(renderChart(result.chart), 200, { "Content-Type": "image/svg+xml" });
  });

  r.get("/:id/csv", requirePermission("report.export"), async (c) => {
    const { t, q, result } = await runReport(c, options);
    const body = reportCsv(result);
    const svc = c.get("services");
    await svc.audit.append({
      ...auditActor(c),
      action: "report.export",
      target: { type: "report", id: t.id },
      details: { report: t.id, params: q, rows: result.rows.length },
    });
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="selrec-${t.id}-${q.from}-${q.to}.csv"`,
    });
  });
  return r;
}

function ReportList(props: { ctx: PageContext }) {
  return (
    <Layout title="Reports" ctx={props.ctx}>
      <ul>
        {REPORTS.map((t) => (
          <li key={t.id}>
            <a href={`/reports/${t.id}`}>{t.title}</a> — {t.description}
          </li>
        ))}
      </ul>
    </Layout>
  );
}

function fmt(v: string | number | null): string {
  if (v === null) return "–";
  return typeof v === "number" ? v.toLocaleString("en-US") : v;
}

function ReportPage(props: {
  ctx: PageContext;
  t: ReportTemplate;
  q: Record<string, string>;
  result: ReportResult;
  csvHref: string | null;
}) {
  const { t, q, result } = props;
  return (
    <Layout title={t.title} ctx={props.ctx}>
      <p>
        <a href="/reports">All reports</a> · {t.description}
      </p>
      <form method="get" action={`/reports/${t.id}`} class="filters">
        <label>
          From <input name="from" type="date" value={q.from} />
        </label>
        <label>
          To (inclusive) <input name="to" type="date" value={q.to} />
        </label>
        {FILTER_FIELDS.map((f) => (
          <label key={f.param}>
            {f.label} <input name={f.param} value={q[f.param] ?? ""} />
          </label>
        ))}
        {t.id === "storage" && (
          <label>
            Capacity (GB) <input name="capacity" value={q.capacity ?? ""} />
          </label>
        )}
        <button type="submit">Show</button>
        {props.csvHref && <a href={props.csvHref}>Export CSV</a>}
      </form>
      {result.summary && (
        <dl class="kv">
          {Object.entries(result.summary).map((
            [k, v],
          ) => [<dt key={`t${k}`}>{k}</dt>, <dd key={`d${k}`}>{fmt(v)}</dd>])}
        </dl>
      )}
      <figure class="chart">{raw(renderChart(result.chart))}</figure>
      <table>
        <thead>
          <tr>{result.columns.map((col) => <th key={col.key}>{col.label}</th>)}</tr>
        </thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>
              {result.columns.map((col) => <td key={col.key}>{fmt(row[col.key] ?? null)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
