/**
 * `GET /audit` (filters, newest first, keyset pages; every view is itself audited as
 * `audit.view`) and `GET /audit/export.csv` (the filtered rows with their chain fields,
 * audited as `audit.export` before the body is sent). Needs `audit.view` / `audit.export`.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import { auditActor } from "../recording_access.ts";
import { AUDIT_FIELDS, AuditPage } from "../views/audit_view.tsx";
import { pageContext } from "../views/page.ts";
import { type AuditFilter, isContiguous, isoBound, queryAudit } from "../../src/audit/query.ts";
import { exportAuditCsv } from "../../src/audit/export.ts";

const FIELDS = AUDIT_FIELDS;

/** A date-only upper bound means "through that day": the next day, exclusive. */
export function inclusiveTo(to: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) return to;
  return new Date(Date.parse(to + "T00:00:00Z") + 86_400_000).toISOString();
}

/** Reads the filter query; 400 on a bad date. */
function filterOf(c: Context<AppEnv>): { q: Record<string, string>; filter: AuditFilter } {
  const q: Record<string, string> = {};
  for (const [name] of FIELDS) {
    const v = c.req.query(name)?.trim();
    if (v) q[name] = v;
  }
  const filter: AuditFilter = {
    user: q.user,
    action: q.action,
    recordingId: q.recording,
    customerId: q.customer,
    from: q.from,
    to: q.to ? inclusiveTo(q.to) : undefined,
  };
  try {
    if (filter.from) isoBound(filter.from);
    if (filter.to) isoBound(filter.to);
  } catch (err) {
    httpError(400, (err as Error).message);
  }
  return { q, filter };
}

/** Audit trail sub-app; the lead mounts it at `/audit`. */
export function auditRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/", requirePermission("audit.view"), async (c) => {
    const svc = c.get("services");
    const { q, filter } = filterOf(c);
    const before = c.req.query("before");
    const page = await queryAudit(svc.store.db, filter, {
      before: before && /^\d+$/.test(before) ? Number(before) : undefined,
      limit: 100,
    });
    await svc.audit.append({
      ...auditActor(c),
      action: "audit.view",
      details: { filter: q, page: before ? "next" : "first", rows: page.rows.length },
    });
    const params = new URLSearchParams(q);
    const nextHref = page.next === null
      ? null
      : `/audit?${new URLSearchParams({ ...q, before: String(page.next) })}`;
    const canExport = c.get("principal")!.permissions.has("audit.export");
    return c.html(
      <AuditPage
        ctx={pageContext(c)}
        q={q}
        rows={page.rows}
        nextHref={nextHref}
        exportHref={canExport ? `/audit/export.csv?${params}` : null}
      />,
    );
  });

  r.get("/export.csv", requirePermission("audit.export"), async (c) => {
    const svc = c.get("services");
    const { filter } = filterOf(c);
    let out;
    try {
      out = await exportAuditCsv(svc.store.db, svc.audit, filter, auditActor(c));
    } catch (err) {
      if (err instanceof RangeError) httpError(413, err.message);
      throw err;
    }
    const name = `selrec-audit-${out.info.firstSeq ?? 0}-${out.info.lastSeq ?? 0}.csv`;
    return c.body(out.body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "X-Audit-Contiguous": String(isContiguous(filter)),
      "X-Content-SHA256": out.info.sha256,
    });
  });
  return r;
}
