/**
 * The authorization matrix: roles × user partitions × org placement × own-agent ×
 * scope switches × every permission, against recordings spread over agents (placed via
 * the agents table, via a user, and unplaced) and partition sets. Every cell is checked
 * three ways: an independent oracle written as set membership, the pure
 * canAccessRecording(), and the SQL WHERE run against a real database.
 */
import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../store/db.ts";
import { type Permission, PERMISSIONS, ROLE_PERMISSIONS } from "./permissions.ts";
import {
  type AccessScope,
  agentOrgPath,
  canAccessRecording,
  findAccessibleRecording,
  recordingAccessWhere,
} from "./access.ts";
import type { Principal } from "./principal.ts";
import { addOrgUnit, upsertAgent } from "../store/queries/org_units.ts";
import { addUser } from "../store/queries/users.ts";

const AGENTS = ["ag-a1", "ag-b", "ag-none", "ag-user"] as const;
const REC_PARTS: string[][] = [["p1"], ["p2"], [], ["p1", "p2"]];
const USER_PARTS: string[][] = [["*"], ["p1"], ["p3"], []];
const PLACES = ["none", "root", "A", "A1", "B"] as const;
const SCOPES: AccessScope[] = [
  { partitions: true, hierarchy: true },
  { partitions: true, hierarchy: false },
  { partitions: false, hierarchy: true },
  { partitions: false, hierarchy: false },
];
const ROLES = { ...ROLE_PERMISSIONS, nobody: { description: "", permissions: [] } };

interface Fixture {
  store: Store;
  paths: Record<(typeof PLACES)[number], string | null>;
  recs: { id: string; agent: string; parts: string[] }[];
}

async function seed(dir: string): Promise<Fixture> {
  const store = openStore(`${dir}/t.db`);
  await migrate(store.db);
  const root = await addOrgUnit(store.db, "Org", null);
  const a = await addOrgUnit(store.db, "A", root.id);
  const a1 = await addOrgUnit(store.db, "A1", a.id);
  const b = await addOrgUnit(store.db, "B", root.id);
  await upsertAgent(store.db, "ag-a1", "Ann", a1.id);
  await upsertAgent(store.db, "ag-b", "Bob", b.id);
  await upsertAgent(store.db, "ag-none", "Nobody", null);
  await addUser(store.db, {
    username: "u",
    passwordHash: "x",
    role: "agent",
    orgUnitId: a1.id,
    agentId: "ag-user",
  });
  const ts = "2026-01-01T00:00:00.000Z";
  await store.db.insertInto("storage_locations").values({
    name: "spool",
    kind: "spool",
    path: dir,
    healthy: 1,
  })
    .execute();
  await store.db.insertInto("calls").values({
    id: "c",
    call_key: "c",
    source: "api",
    started_at: ts,
  } as never).execute();
  const recs: Fixture["recs"] = [];
  for (const agent of AGENTS) {
    for (const parts of REC_PARTS) {
      const id = `${agent}:${parts.join("+") || "none"}`;
      await store.db.insertInto("recordings").values({
        id,
        call_id: "c",
        state: "complete",
        format: "opus",
        started_at: ts,
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
        created_at: ts,
      } as never).execute();
      for (const p of parts) {
        await store.db.insertInto("recording_partitions").values({ recording_id: id, partition: p })
          .execute();
      }
      recs.push({ id, agent, parts });
    }
  }
  return {
    store,
    recs,
    paths: { none: null, root: root.path, A: a.path, A1: a1.path, B: b.path },
  };
}

/** Which places see which agents through the hierarchy (the org chart, spelled out). */
const SEES: Record<(typeof PLACES)[number], readonly string[]> = {
  none: [],
  root: ["ag-a1", "ag-b", "ag-none", "ag-user"],
  A: ["ag-a1", "ag-user"],
  A1: ["ag-a1", "ag-user"],
  B: ["ag-b"],
};

function oracle(
  role: keyof typeof ROLES,
  userParts: string[],
  place: (typeof PLACES)[number],
  ownAgent: string | null,
  rec: { agent: string; parts: string[] },
  perm: Permission,
  scope: AccessScope,
): boolean {
  if (!perm.startsWith("recording.")) return false;
  if (!(ROLES[role].permissions as string[]).includes(perm)) return false;
  const partOk = !scope.partitions || userParts.includes("*") ||
    rec.parts.some((x) => userParts.includes(x));
  const hierOk = !scope.hierarchy || SEES[place].includes(rec.agent) || ownAgent === rec.agent;
  return partOk && hierOk;
}

Deno.test({
  name: "authorization matrix: oracle, canAccessRecording() and the SQL WHERE agree in every cell",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const fx = await seed(dir);
    const facts = new Map<
      string,
      { partitions: string[]; agentId: string; agentOrgPath: string | null }
    >();
    for (const r of fx.recs) {
      facts.set(r.id, {
        partitions: r.parts,
        agentId: r.agent,
        agentOrgPath: await agentOrgPath(fx.store.db, r.agent),
      });
    }
    let cells = 0, allowed = 0;
    for (const role of Object.keys(ROLES) as (keyof typeof ROLES)[]) {
      for (const userParts of USER_PARTS) {
        for (const place of PLACES) {
          for (const ownAgent of [null, "ag-a1"]) {
            const p: Principal = {
              kind: "user",
              id: 1,
              name: "x",
              userId: 1,
              role,
              permissions: new Set(ROLES[role].permissions),
              partitions: userParts,
              orgPath: fx.paths[place],
              orgRoot: place === "root",
              agentId: ownAgent,
            };
            for (const scope of SCOPES) {
              for (const perm of PERMISSIONS) {
                const rows = await fx.store.db.selectFrom("recordings").select("id")
                  .where(recordingAccessWhere(p, perm, scope)).execute();
                const viaSql = new Set(rows.map((r) => r.id));
                for (const rec of fx.recs) {
                  const want = oracle(role, userParts, place, ownAgent, rec, perm, scope);
                  const cell = `${role} parts=${userParts} place=${place} own=${ownAgent} ` +
                    `${JSON.stringify(scope)} ${perm} ${rec.id}`;
                  assert.equal(canAccessRecording(p, facts.get(rec.id)!, perm, scope), want, cell);
                  assert.equal(viaSql.has(rec.id), want, `SQL: ${cell}`);
                  cells++;
                  if (want) allowed++;
                }
              }
            }
          }
        }
      }
    }
    assert.equal(cells, 5 * 4 * 5 * 2 * 4 * PERMISSIONS.length * 16);
    assert.ok(allowed > 0 && allowed < cells / 4, `allowed ${allowed} of ${cells}`);
    await fx.store.close();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "access is denied by default: no permissions, unknown permission, unplaced, no partitions",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const fx = await seed(dir);
    const scope = { partitions: true, hierarchy: true };
    const base: Principal = {
      kind: "user",
      id: 1,
      name: "x",
      userId: 1,
      role: "x",
      permissions: new Set(),
      partitions: ["*"],
      orgPath: fx.paths.root,
      orgRoot: true,
      agentId: null,
    };
    const count = async (p: Principal, perm: Permission) =>
      (await fx.store.db.selectFrom("recordings").select("id")
        .where(recordingAccessWhere(p, perm, scope)).execute()).length;
    assert.equal(await count(base, "recording.play"), 0, "no permissions: nothing");
    const all = { ...base, permissions: new Set<Permission>(PERMISSIONS) };
    assert.equal(await count(all, "users.manage"), 0, "non-recording permission: nothing");
    assert.equal(await count(all, "recording.play"), 16, "root with * sees every recording");
    assert.equal(await count({ ...all, orgPath: null, orgRoot: false }, "recording.play"), 0);
    assert.equal(await count({ ...all, partitions: [] }, "recording.play"), 0);
    assert.equal(
      await findAccessibleRecording(fx.store.db, all, "ag-b:p1", "recording.play", scope)
        .then((r) => r?.id),
      "ag-b:p1",
    );
    const a = { ...all, orgPath: fx.paths.A, orgRoot: false };
    assert.equal(
      await findAccessibleRecording(fx.store.db, a, "ag-b:p1", "recording.play", scope),
      undefined,
      "a supervisor of A cannot load B's recording by id",
    );
    await fx.store.close();
    await Deno.remove(dir, { recursive: true });
  },
});
