/**
 * A transferred call: agent A (team 1) handed the customer to agent B (team 2). The
 * recording carries both agents (recording_agents), so the pure rule, the SQL WHERE and
 * the search WHERE all let either team's supervisor (and B, as own) see it, search by
 * either agent finds it, and a third team's supervisor still does not.
 */
import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { ROLE_PERMISSIONS } from "./permissions.ts";
import {
  agentOrgPath,
  canAccessRecording,
  recordingAccessWhere,
  recordingSearchWhere,
} from "./access.ts";
import type { Principal } from "./principal.ts";
import { addOrgUnit, upsertAgent } from "../store/queries/org_units.ts";
import { recordingAgents, switchRecordingAgent } from "../store/queries/recording_agents.ts";
import { searchRecordings } from "../store/queries/recordings.ts";

const SCOPE = { partitions: true, hierarchy: true };

function principal(orgPath: string | null, agentId: string | null, role = "supervisor"): Principal {
  const r = ROLE_PERMISSIONS[role as keyof typeof ROLE_PERMISSIONS];
  return {
    kind: "user",
    id: 1,
    name: "x",
    userId: 1,
    role,
    permissions: new Set(r.permissions),
    partitions: ["*"],
    orgPath,
    orgRoot: false,
    agentId,
  };
}

Deno.test({
  name: "a transferred recording is seen by the supervisors of both agents and found by both",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(`${dir}/t.db`);
    await migrate(store.db);
    const db = store.db;
    const root = await addOrgUnit(db, "Org", null);
    const t1 = await addOrgUnit(db, "Team 1", root.id);
    const t2 = await addOrgUnit(db, "Team 2", root.id);
    const t3 = await addOrgUnit(db, "Team 3", root.id);
    await upsertAgent(db, "agA", "Ann", t1.id);
    await upsertAgent(db, "agB", "Bob", t2.id);
    await db.insertInto("storage_locations")
      .values({ name: "spool", kind: "spool", path: dir, healthy: 1 } as never).execute();
    await db.insertInto("calls")
      .values({ id: "c", call_key: "c", source: "siprec", started_at: "x" } as never).execute();
    const started = "2026-05-01T10:00:00.000Z";
    for (const [id, agent] of [["moved", "agA"], ["plain", "agA"], ["other", "agB"]]) {
      await db.insertInto("recordings").values({
        id,
        call_id: "c",
        state: "complete",
        format: "opus",
        started_at: started,
        path: `${id}.opus`,
        storage_location_id: 1,
        legal_hold: 0,
        agent_id: agent,
        allow_pause: 1,
        flag_interrupted: 0,
        flag_no_media: 0,
        flag_one_way: 0,
        flag_paused: 0,
        flag_gaps: 0,
        created_at: started,
      } as never).execute();
      await db.insertInto("recording_partitions").values({ recording_id: id, partition: "p1" })
        .execute();
    }
    await switchRecordingAgent(db, "moved", "agB", new Date("2026-05-01T10:01:30.000Z"));
    assert.deepEqual(await recordingAgents(db, "moved"), [
      { recording_id: "moved", agent_id: "agA", joined_ms: 0, left_ms: 90_000 },
      { recording_id: "moved", agent_id: "agB", joined_ms: 90_000, left_ms: null },
    ]);
    const facts = {
      partitions: ["p1"],
      agentId: "agA",
      agentOrgPath: await agentOrgPath(db, "agA"),
      otherAgents: [{ agentId: "agB", agentOrgPath: await agentOrgPath(db, "agB") }],
    };
    const cases: [string, Principal, string[]][] = [
      ["team 1 supervisor", principal(t1.path, null), ["moved", "plain"]],
      ["team 2 supervisor", principal(t2.path, null), ["moved", "other"]],
      ["team 3 supervisor", principal(t3.path, null), []],
      ["agent B as own", principal(null, "agB", "admin"), ["moved", "other"]],
    ];
    for (const [who, p, want] of cases) {
      const viaWhere = await db.selectFrom("recordings").select("id")
        .where(recordingAccessWhere(p, "recording.search", SCOPE)).orderBy("id").execute();
      assert.deepEqual(viaWhere.map((r) => r.id), [...want].sort(), `${who}: access WHERE`);
      const access = await recordingSearchWhere(db, p, "recording.search", SCOPE);
      const page = await searchRecordings(db, {}, access, { limit: 10 });
      assert.deepEqual(page.rows.map((r) => r.id).sort(), [...want].sort(), `${who}: search`);
      const pure = canAccessRecording(p, facts, "recording.search", SCOPE);
      assert.equal(pure, want.includes("moved"), `${who}: canAccessRecording`);
    }
    const admin = principal("/", null, "admin");
    const all = await recordingSearchWhere(db, { ...admin, orgRoot: true }, "recording.search", {
      partitions: true,
      hierarchy: false,
    });
    for (const [agent, want] of [["agA", ["moved", "plain"]], ["agB", ["moved", "other"]]]) {
      const page = await searchRecordings(db, { agentId: agent as string }, all, { limit: 10 });
      assert.deepEqual(page.rows.map((r) => r.id).sort(), want, `search by ${agent}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});
