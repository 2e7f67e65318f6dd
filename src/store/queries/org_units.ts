/** Org hierarchy: units with materialized paths (`/1/4/9/`) and agent placement. */
import type { Db } from "../db.ts";
import { inTransaction } from "./recording_writes.ts";

/** An org unit. */
export interface OrgUnit {
  id: number;
  name: string;
  parentId: number | null;
  path: string;
}

/**
 * Creates a unit under `parentId` (or at the root); returns it with its path. Runs in the
 * caller's transaction when `db` is one. Throws RangeError when the parent does not exist.
 */
export async function addOrgUnit(db: Db, name: string, parentId: number | null): Promise<OrgUnit> {
  return await inTransaction(db, async (tx) => {
    let parentPath = "/";
    if (parentId !== null) {
      const parent = await tx.selectFrom("org_units").select("path").where("id", "=", parentId)
        .executeTakeFirst();
      if (!parent) throw new RangeError(`Cannot add org unit: parent "${parentId}" does not exist`);
      parentPath = parent.path;
    }
    const tmp = `tmp:${crypto.randomUUID()}`;
    const { id } = await tx.insertInto("org_units").values({ name, parent_id: parentId, path: tmp })
      .returning("id").executeTakeFirstOrThrow();
    const path = `${parentPath}${id}/`;
    await tx.updateTable("org_units").set({ path }).where("id", "=", id).execute();
    return { id, name, parentId, path };
  });
}

/** Every unit ordered by path (a depth-first walk of the tree). */
export async function listOrgUnits(db: Db): Promise<OrgUnit[]> {
  const rows = await db.selectFrom("org_units").selectAll().orderBy("path").execute();
  return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, path: r.path }));
}

/** The path of a unit, or null. */
export async function orgPathOf(db: Db, id: number | null): Promise<string | null> {
  if (id === null) return null;
  const r = await db.selectFrom("org_units").select("path").where("id", "=", id).executeTakeFirst();
  return r?.path ?? null;
}

/** Places an agent id (as seen in call metadata) in a unit. */
export async function upsertAgent(
  db: Db,
  agentId: string,
  name: string | null,
  orgUnitId: number | null,
): Promise<void> {
  await db.insertInto("agents").values({ agent_id: agentId, name, org_unit_id: orgUnitId })
    .onConflict((oc) => oc.column("agent_id").doUpdateSet({ name, org_unit_id: orgUnitId }))
    .execute();
}

/**
 * The unit at a path of names from a root (`["Org", "Sales", "Team A"]`), or null when a
 * step does not exist (names compared exactly; the first match at each level wins).
 */
export async function findOrgUnitByNames(db: Db, names: readonly string[]): Promise<number | null> {
  let parent: number | null = null;
  for (const name of names) {
    let q = db.selectFrom("org_units").select("id").where("name", "=", name);
    q = parent === null ? q.where("parent_id", "is", null) : q.where("parent_id", "=", parent);
    const row = await q.orderBy("id").executeTakeFirst();
    if (!row) return null;
    parent = row.id;
  }
  return parent;
}
