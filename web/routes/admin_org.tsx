/**
 * `/admin/org` (users.manage): the org-unit tree; add a unit, rename one
 * (`org.rename`), move one with everything below it under another parent or to the top
 * level (`org.move`, with the paths before and after). A move under the unit itself or
 * under one of its descendants is refused with a message naming both units. Each change
 * and its audit entry commit in one transaction.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { httpError } from "../http_error.ts";
import {
  addOrgUnit,
  listOrgUnits,
  moveOrgUnit,
  renameOrgUnit,
} from "../../src/store/queries/org_units.ts";
import { OrgPage } from "../views/admin_org_view.tsx";
import { pageContext } from "../views/page.ts";
import { redirectWithFlash } from "../views/flash.ts";
import { audited, optId, pathId, text } from "./admin_forms.ts";

const ORG = "/admin/org";

async function orgPage(c: Context<AppEnv>, error?: string, status: 200 | 400 | 409 = 200) {
  const units = await listOrgUnits(c.get("services").store.db);
  return c.html(<OrgPage ctx={pageContext(c)} units={units} error={error} />, status);
}

/** Org-unit sub-app, mounted at /admin. */
export function adminOrgRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.use("/org", requirePermission("users.manage"));
  r.use("/org/*", requirePermission("users.manage"));
  r.get("/org", (c) => orgPage(c));
  r.post("/org", async (c) => {
    const body = await c.req.parseBody();
    const name = text(body, "name", 100);
    const parentId = optId(body, "parent_id");
    if (!name) return orgPage(c, "Name: required.", 400);
    try {
      await audited(c, {
        action: "org.add",
        target: { type: "org_unit", id: name },
        details: { parentId },
      }, (tx) => addOrgUnit(tx, name, parentId));
    } catch (err) {
      if (err instanceof RangeError) return orgPage(c, "Parent: no such unit.", 400);
      throw err;
    }
    return redirectWithFlash(c, ORG, `Unit ${name} added.`);
  });
  r.post("/org/:id/rename", async (c) => {
    const id = pathId(c);
    const name = text(await c.req.parseBody(), "name", 100);
    if (id === null) httpError(404, "no such org unit");
    if (!name) return orgPage(c, "New name: required.", 400);
    const old = await audited(c, (from: string | null) => ({
      action: "org.rename",
      target: { type: "org_unit", id: String(id) },
      details: { from, to: name },
    }), async (tx) => {
      const from = await renameOrgUnit(tx, id, name);
      if (from === null) httpError(404, "no such org unit");
      return from;
    });
    return redirectWithFlash(c, ORG, `Unit ${old} renamed to ${name}.`);
  });
  r.post("/org/:id/move", async (c) => {
    const id = pathId(c);
    if (id === null) httpError(404, "no such org unit");
    const parentId = optId(await c.req.parseBody(), "parent_id");
    let moved;
    try {
      moved = await audited(c, (m: Awaited<ReturnType<typeof moveOrgUnit>>) => ({
        action: "org.move",
        target: { type: "org_unit", id: String(id) },
        details: {
          name: m.name,
          fromParentId: m.fromParentId,
          toParentId: parentId,
          fromPath: m.fromPath,
          toPath: m.toPath,
          units: m.moved,
        },
      }), (tx) => moveOrgUnit(tx, id, parentId));
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      if (/it does not exist/.test(err.message)) httpError(404, "no such org unit");
      return orgPage(c, `Not moved: ${err.message}.`, 409);
    }
    const units = await listOrgUnits(c.get("services").store.db);
    const under = units.find((u) => u.id === parentId)?.name;
    const below = moved.moved > 1 ? ` with ${moved.moved - 1} unit(s) below it` : "";
    return redirectWithFlash(
      c,
      ORG,
      `Unit ${moved.name} moved${below} ${under ? `under ${under}` : "to the top level"}.`,
    );
  });
  return r;
}
