/**
 * `/admin/agents`: the agent directory for administrators (`users.manage`): a paged list
 * filtered by unit subtree and id or name, moving an agent to another unit after a
 * confirmation page (audited as `agent.move` with both units, in the same transaction),
 * and `/admin/agents/unknown`, the agent ids calls carry that the directory lacks.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { pageContext } from "../views/page.ts";
import { AgentsPage, MoveAgentPage, UnknownAgentsPage } from "../views/admin_agents_view.tsx";
import { UnitNames } from "../../src/agents/unit_names.ts";
import { listOrgUnits } from "../../src/store/queries/org_units.ts";
import { findAgent, listAgents, moveAgent, unknownAgents } from "../../src/store/queries/agents.ts";

const PAGE_SIZE = 50;

/** The unit a form names: "" is no unit; else an existing unit id (400 otherwise). */
function unitParam(value: unknown, names: UnitNames, field: string): number | null {
  if (value === undefined || value === "") return null;
  if (typeof value !== "string" || !/^\d{1,9}$/.test(value) || !names.has(Number(value))) {
    httpError(400, `${field}: no org unit "${String(value)}"`);
  }
  return Number(value);
}

/** Agent directory sub-app, mounted under /admin. */
export function adminAgentRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/agents", requirePermission("users.manage"));
  r.use("/agents/*", requirePermission("users.manage"));
  r.get("/agents", async (c) => {
    const db = c.get("services").store.db;
    const units = await listOrgUnits(db);
    const names = new UnitNames(units);
    const unit = unitParam(c.req.query("unit"), names, "unit");
    const q = (c.req.query("q") ?? "").trim().slice(0, 100);
    const removed = c.req.query("removed") === "1";
    const pageText = c.req.query("page") ?? "1";
    const page = /^\d{1,6}$/.test(pageText) ? Math.max(1, Number(pageText)) : 1;
    const { agents, total } = await listAgents(db, {
      unitPath: unit === null ? undefined : names.pathOf(unit),
      text: q || undefined,
      includeRemoved: removed,
      offset: (page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    });
    const href = (n: number) => {
      const params = new URLSearchParams();
      if (unit !== null) params.set("unit", String(unit));
      if (q) params.set("q", q);
      if (removed) params.set("removed", "1");
      params.set("page", String(n));
      return `/admin/agents?${params}`;
    };
    const moved = c.req.query("moved");
    return c.html(
      <AgentsPage
        ctx={pageContext(c)}
        agents={agents}
        total={total}
        units={units}
        names={names}
        filter={{ unit, q, removed }}
        page={page}
        pageSize={PAGE_SIZE}
        notice={moved ? `Agent ${moved} moved.` : undefined}
        href={href}
      />,
    );
  });
  r.get("/agents/unknown", async (c) => {
    const rows = await unknownAgents(c.get("services").store.db, 500);
    return c.html(<UnknownAgentsPage ctx={pageContext(c)} rows={rows} />);
  });
  r.get("/agents/:id/move", async (c) => {
    const db = c.get("services").store.db;
    const agent = await findAgent(db, c.req.param("id"));
    if (!agent) httpError(404, "no such agent");
    const names = new UnitNames(await listOrgUnits(db));
    const to = unitParam(c.req.query("to"), names, "to");
    return c.html(
      <MoveAgentPage
        ctx={pageContext(c)}
        agent={agent}
        from={names.name(agent.orgUnitId)}
        to={names.name(to)}
        toValue={to === null ? "" : String(to)}
      />,
    );
  });
  r.post("/agents/:id/move", async (c) => {
    const svc = c.get("services");
    const id = c.req.param("id");
    const body = await c.req.parseBody();
    if (body.confirm !== "yes") httpError(400, "confirm: the move was not confirmed");
    const names = new UnitNames(await listOrgUnits(svc.store.db));
    const to = unitParam(body.to, names, "to");
    await svc.store.db.transaction().execute(async (tx) => {
      const before = await moveAgent(tx, id, to, new Date(c.get("auth").now()).toISOString());
      if (!before) httpError(404, "no such agent");
      await svc.audit.append({
        ...auditActor(c),
        action: "agent.move",
        target: { type: "agent", id },
        details: {
          from: { id: before.orgUnitId, unit: names.name(before.orgUnitId) },
          to: { id: to, unit: names.name(to) },
          source: before.source,
        },
      }, tx);
    });
    return c.redirect(`/admin/agents?moved=${encodeURIComponent(id)}`, 303);
  });
  return r;
}
