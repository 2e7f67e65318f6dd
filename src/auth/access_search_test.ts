import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { recordingAccessWhere, recordingSearchWhere } from "./access.ts";
import type { Principal } from "./principal.ts";
import { ROLE_PERMISSIONS } from "./permissions.ts";

/**
 * With one root, its subtree holds every placed agent (the root's rule needs no agent
 * list); with a second root holding `ag7`, neither root's subtree does.
 */
async function equalWheres(secondRoot: boolean) {
  const dir = await Deno.makeTempDir();
  await using store = openStore(`${dir}/a.db`);
  await migrate(store.db);
  const raw = store.raw;
  raw.exec(`INSERT INTO org_units (id, name, parent_id, path) VALUES
    (1,'root',NULL,'/1/'),(2,'a',1,'/1/2/'),(3,'b',1,'/1/3/'),(4,'a1',2,'/1/2/4/')`);
  raw.exec(
    `INSERT INTO agents (agent_id, org_unit_id) VALUES ('ag1',2),('ag2',3),('ag3',4),('ag4',NULL)`,
  );
  if (secondRoot) {
    raw.exec("INSERT INTO org_units (id, name, parent_id, path) VALUES (5,'root2',NULL,'/5/')");
    raw.exec("INSERT INTO agents (agent_id, org_unit_id) VALUES ('ag7',5)");
  }
  raw.exec(
    `INSERT INTO users (username, password_hash, role, org_unit_id, agent_id, created_at, updated_at)
    VALUES ('u5','x','agent',4,'ag5','t','t'),('u1','x','agent',3,'ag1','t','t')`,
  );
  raw.exec("INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/tmp')");
  const agents = ["ag1", "ag2", "ag3", "ag4", "ag5", "ag6", "ag7", null];
  const parts = ["p1", "p2", "p3"];
  let n = 0;
  for (const agent of agents) {
    for (const p of parts) {
      const id = `r${n++}`;
      raw.prepare(
        "INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', 't')",
      ).run(id, id);
      raw.prepare(
        `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
        agent_id, created_at) VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, 't')`,
      )
        .run(id, id, `2026-01-01T00:00:${String(n).padStart(2, "0")}Z`, agent);
      raw.prepare("INSERT INTO recording_partitions (recording_id, partition) VALUES (?, ?)").run(
        id,
        p,
      );
    }
  }
  // Transfers: an unplaced agent's call taken over by ag3, a call with no first agent
  // joined by ag2, and ag7's call joined by ag1.
  raw.exec(`INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES
    ('r15','ag3',60000),('r21','ag2',60000),('r18','ag1',60000)`);
  const principals: Principal[] = [];
  for (const orgPath of [null, "/1/", "/1/2/", "/1/3/", "/1/2/4/", "/5/"]) {
    for (const partitions of [["*"], ["p1"], ["p2", "p3"], []]) {
      for (const agentId of [null, "ag3", "ag6"]) {
        principals.push({
          kind: "user",
          id: 9,
          userId: 9,
          name: "x",
          role: "supervisor",
          permissions: new Set(ROLE_PERMISSIONS.supervisor.permissions),
          partitions,
          orgPath,
          orgRoot: orgPath === "/1/" || orgPath === "/5/",
          agentId,
        } as Principal);
      }
    }
  }
  for (const p of principals) {
    for (
      const scope of [{ partitions: true, hierarchy: true }, { partitions: false, hierarchy: true }]
    ) {
      const ids = async (
        w: Parameters<ReturnType<typeof store.db.selectFrom<"recordings">>["where"]>[0],
      ) =>
        (await store.db.selectFrom("recordings").select("id").where(w).orderBy("id").execute()).map(
          (r) => r.id,
        );
      const expected = await ids(recordingAccessWhere(p, "recording.search", scope));
      const actual = await ids(await recordingSearchWhere(store.db, p, "recording.search", scope));
      assert.deepEqual(
        actual,
        expected,
        JSON.stringify({ p: { ...p, permissions: undefined }, scope }),
      );
    }
  }
  await Deno.remove(dir, { recursive: true });
}

Deno.test("recordingSearchWhere() selects exactly what recordingAccessWhere() selects", async () => {
  await equalWheres(false);
  await equalWheres(true);
});
