/** Org hierarchy: units with materialized paths (`/1/4/9/`) and agent placement. */
import { sql } from "kysely";
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

/** Renames a unit; the old name, or null when there is no such unit. */
export async function renameOrgUnit(db: Db, id: number, name: string): Promise<string | null> {
  return await inTransaction(db, async (tx) => {
    const unit = await tx.selectFrom("org_units").select("name").where("id", "=", id)
      .executeTakeFirst();
    if (!unit) return null;
    await tx.updateTable("org_units").set({ name }).where("id", "=", id).execute();
    return unit.name;
  });
}

/** A unit's place before and after {@link moveOrgUnit}. */
export interface OrgMove {
  name: string;
  fromParentId: number | null;
  fromPath: string;
  toPath: string;
  /** Units whose path changed: the unit and everything below it. */
  moved: number;
}

/**
 * Moves unit `id` with its subtree under `parentId` (null: to the top level), rewriting
 * the materialized paths of the subtree, in the caller's transaction when `db` is one.
 * Throws RangeError when either unit does not exist or the new parent is the unit itself
 * or inside it (a cycle).
 */
export async function moveOrgUnit(db: Db, id: number, parentId: number | null): Promise<OrgMove> {
  return await inTransaction(db, async (tx) => {
    const byId = (x: number) =>
      tx.selectFrom("org_units").selectAll().where("id", "=", x).executeTakeFirst();
    const unit = await byId(id);
    if (!unit) throw new RangeError(`Cannot move org unit "${id}": it does not exist`);
    let parentPath = "/";
    if (parentId !== null) {
      const parent = await byId(parentId);
      if (!parent) {
        throw new RangeError(
          `Cannot move org unit "${unit.name}": parent "${parentId}" does not exist`,
        );
      }
      if (parent.path.startsWith(unit.path)) {
        throw new RangeError(
          parent.id === unit.id
            ? `Cannot move org unit "${unit.name}" under itself`
            : `Cannot move org unit "${unit.name}" under "${parent.name}": ` +
              `"${parent.name}" is inside "${unit.name}"`,
        );
      }
      parentPath = parent.path;
    }
    const toPath = `${parentPath}${unit.id}/`;
    const from = unit.path;
    const r = await tx.updateTable("org_units")
      .set({ path: sql<string>`${toPath} || substr(path, ${from.length + 1})` })
      .where(sql<boolean>`substr(path, 1, ${from.length}) = ${from}`)
      .executeTakeFirst();
    await tx.updateTable("org_units").set({ parent_id: parentId }).where("id", "=", id).execute();
    return {
      name: unit.name,
      fromParentId: unit.parent_id,
      fromPath: from,
      toPath,
      moved: Number(r.numUpdatedRows),
    };
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
