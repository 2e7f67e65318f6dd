import assert from "node:assert/strict";
import { migrate, openStore } from "../db.ts";
import { addOrgUnit, listOrgUnits, moveOrgUnit, orgPathOf, renameOrgUnit } from "./org_units.ts";

/** A test that opens a store: the sanitizers check it closes what it opens. */
function test(name: string, fn: () => Promise<void>) {
  Deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
}

async function withTree(
  fn: (t: Awaited<ReturnType<typeof tree>>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-org-" });
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    await fn(await tree(store));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Org → {Sales → {Team A → Desk 1}, Support}. */
async function tree(store: ReturnType<typeof openStore>) {
  const db = store.db;
  const org = await addOrgUnit(db, "Org", null);
  const sales = await addOrgUnit(db, "Sales", org.id);
  const teamA = await addOrgUnit(db, "Team A", sales.id);
  const desk = await addOrgUnit(db, "Desk 1", teamA.id);
  const support = await addOrgUnit(db, "Support", org.id);
  return { db, org, sales, teamA, desk, support };
}

test("moveOrgUnit() moves a unit with its subtree and rewrites every path below", async () => {
  await withTree(async ({ db, org, sales, teamA, desk, support }) => {
    const move = await moveOrgUnit(db, teamA.id, support.id);
    assert.equal(move.fromPath, `/${org.id}/${sales.id}/${teamA.id}/`);
    assert.equal(move.toPath, `/${org.id}/${support.id}/${teamA.id}/`);
    assert.equal(move.moved, 2);
    assert.equal(move.fromParentId, sales.id);
    assert.equal(await orgPathOf(db, desk.id), `/${org.id}/${support.id}/${teamA.id}/${desk.id}/`);
    const units = await listOrgUnits(db);
    assert.equal(units.find((u) => u.id === teamA.id)?.parentId, support.id);
    assert.equal(await orgPathOf(db, sales.id), `/${org.id}/${sales.id}/`, "siblings unchanged");
    await moveOrgUnit(db, teamA.id, null);
    assert.equal(await orgPathOf(db, desk.id), `/${teamA.id}/${desk.id}/`);
  });
});

test("moveOrgUnit() refuses a cycle: under itself or under its own descendant", async () => {
  await withTree(async ({ db, org, sales, desk }) => {
    await assert.rejects(moveOrgUnit(db, sales.id, sales.id), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, `Cannot move org unit "Sales" under itself`);
      return true;
    });
    await assert.rejects(
      moveOrgUnit(db, org.id, desk.id),
      new RangeError(`Cannot move org unit "Org" under "Desk 1": "Desk 1" is inside "Org"`),
    );
    await assert.rejects(moveOrgUnit(db, sales.id, 999), /parent "999" does not exist/);
    await assert.rejects(moveOrgUnit(db, 999, null), /"999": it does not exist/);
    const paths = (await listOrgUnits(db)).map((u) => u.path);
    assert.ok(paths.every((p) => p.startsWith(`/${org.id}/`)), "nothing moved");
  });
});

test("moveOrgUnit() does not touch a unit whose path only shares a digit prefix", async () => {
  await withTree(async ({ db, org }) => {
    // Org is unit 1; top-level units 6..11 follow. Moving "/1/" must leave "/10/" alone.
    const extra = [];
    for (let i = 0; i < 6; i++) extra.push(await addOrgUnit(db, `U${i}`, null));
    assert.equal(org.id, 1);
    const ten = extra.find((u) => u.id === 10)!;
    await moveOrgUnit(db, org.id, extra[0].id);
    assert.equal(await orgPathOf(db, ten.id), "/10/");
    assert.equal(await orgPathOf(db, org.id), `/${extra[0].id}/1/`);
  });
});

test("renameOrgUnit() renames and returns the old name; null for no such unit", async () => {
  await withTree(async ({ db, sales }) => {
    assert.equal(await renameOrgUnit(db, sales.id, "Revenue"), "Sales");
    assert.equal((await listOrgUnits(db)).find((u) => u.id === sales.id)?.name, "Revenue");
    assert.equal(await renameOrgUnit(db, 999, "x"), null);
  });
});
