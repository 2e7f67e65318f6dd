import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { recordingAccessWhere, recordingSearchWhere } from "./access.ts";
import type { Principal } from "./principal.ts";
import { ROLE_PERMISSIONS } from "./permissions.ts";

Deno.test("recordingSearchWhere() selects exactly what recordingAccessWhere() selects", async () => {
  const dir = await Deno.makeTempDir();
  await using store = openStore(`${dir}/a.db`);
  await migrate(store.db);
  const raw = store.raw;
  raw.exec(`INSERT INTO org_units (id, name, parent_id, path) VALUES
    (1,'root',NULL,'/1/'),(2,'a',1,'/1/2/'),(3,'b',1,'/1/3/'),(4,'a1',2,'/1/2/4/')`);
  raw.exec(
    `INSERT INTO agents (agent_id, org_unit_id) VALUES ('ag1',2),('ag2',3),('ag3',4),('ag4',NULL)`,
  );
  raw.exec(
    `INSERT INTO users (username, password_hash, role, org_unit_id, agent_id, created_at, updated_at)
    VALUES ('u5','x','agent',4,'ag5','t','t'),('u1','x','agent',3,'ag1','t','t')`,
  );
  raw.exec("INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/tmp')");
  const agents = ["ag1", "ag2", "ag3", "ag4", "ag5", "ag6", null];
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
  const principals: Principal[] = [];
  for (const orgPath of [null, "/1/", "/1/2/", "/1/3/", "/1/2/4/"]) {
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
          orgRoot: orgPath === "/1/",
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
});
