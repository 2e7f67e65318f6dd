/**
 * The agent directory end to end with the real processes: `selrec agents import` (its own
 * process) loads 1,000 agents from a CSV into a tree it creates while `selrec serve`
 * runs; a supervisor signed in over HTTP searches recordings and sees exactly those of
 * agents in their unit's subtree, with no user account for any agent. A second CSV with
 * moves, renames, removals and adds: the dry run's plan is what the real run applies and
 * audits, the directory after it is the one before with exactly those lines applied, and
 * the supervisor's search follows at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../helpers/server.ts";
import { query } from "../helpers/db.ts";
import {
  assertSameDirectory,
  digestOf,
  expectedAfter,
  listDirectory,
  planLinesOf,
  searchAll,
  seedRecordings,
  selrec,
  signIn,
} from "../helpers/agent_directory.ts";

const id = (i: number) => `ag${String(i).padStart(4, "0")}`;
const unitOf = (i: number) => `Organization/Region ${i % 4 + 1}/Team ${Math.floor(i / 4) % 5 + 1}`;

function csv(rows: { i: number; name?: string; unit?: string }[]): string {
  return "id,name,extension,org_unit\n" +
    rows.map(({ i, name, unit }) =>
      `${id(i)},${name ?? `Agent ${i}`},${2000 + i},${unit ?? unitOf(i)}`
    ).join("\n") + "\n";
}

Deno.test({
  name: "agents import: 1,000 agents from a CSV, supervisor scope over HTTP, dry run = real run",
  sanitizeOps: true,
  sanitizeResources: false, // the server's pipes live across steps
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-agents-it-" });
    const config = join(dir, "selrec.yaml");
    await Deno.writeTextFile(
      config,
      `dataDir: ${
        join(dir, "data")
      }\nauth:\n  mfa: { requiredRoles: [] }\n  scope: { partitions: false }\n`,
    );
    await Deno.mkdir(join(dir, "data"));
    await using server = await startServer({ configFile: config, dataDir: join(dir, "data") });
    const db = join(server.dataDir, "selrec.db");

    // An unknown unit without --create-units: the error names the line and column.
    const bad = join(dir, "bad.csv");
    await Deno.writeTextFile(bad, "id,name,org_unit\nx1,X,Organization\nx2,Y,Nowhere/Team\n");
    const refused = await selrec(config, ["agents", "import", bad]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /bad\.csv: line 3, column 3 \(org_unit\): no org unit "Nowhere\/Team"/,
    );
    const broken = join(dir, "broken.csv");
    await Deno.writeTextFile(broken, 'id,name\nx1,"Ann\n');
    const unparsable = await selrec(config, ["agents", "import", broken]);
    assert.equal(unparsable.code, 1);
    assert.match(unparsable.stderr, /broken\.csv: line 2, column 2: quoted field is not closed/);
    assert.equal(query(db, "SELECT 1 FROM agents").length, 0);

    // First import: 1,000 agents, the tree created from their paths.
    const first = join(dir, "agents-1.csv");
    await Deno.writeTextFile(first, csv(Array.from({ length: 1000 }, (_, i) => ({ i }))));
    const dry = await selrec(config, ["agents", "import", first, "--create-units", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /plan: 1000 to add, 0 to move, 0 to rename, 0 to update, 0 to remove, 0 unchanged, 24 units created/,
    );
    assert.equal(query(db, "SELECT 1 FROM agents").length, 0, "a dry run changes nothing");
    const real = await selrec(config, [
      "agents",
      "import",
      first,
      "--create-units",
      "--plan",
      digestOf(dry.stdout),
    ]);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(planLinesOf(real.stdout), planLinesOf(dry.stdout));
    assert.equal(query(db, "SELECT 1 FROM agents WHERE removed_at IS NULL").length, 1000);

    // Recordings of 120 agents and 5 of an agent the directory does not know.
    const recIds = seedRecordings(db, [
      ...Array.from({ length: 120 }, (_, i) => id(i)),
      ...Array.from({ length: 5 }, () => "ghost-1"),
    ]);
    const region1 = query<{ id: number }>(
      db,
      "SELECT id FROM org_units WHERE name = 'Region 1'",
    )[0].id;
    const add = await selrec(
      config,
      [
        "user",
        "add",
        "sue",
        "--role",
        "supervisor",
        "--org-unit",
        String(region1),
        "--password-stdin",
      ],
      "sue-password-long-1\n",
    );
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(
      query<{ username: string }>(db, "SELECT username FROM users ORDER BY username")
        .map((u) => u.username),
      ["admin", "sue"],
      "no agent has a user account",
    );
    const sue = await signIn(server, "sue", "sue-password-long-1");
    const inRegion1 = (i: number) => i % 4 === 0;
    const expected1 = recIds.filter((_, n) => n < 120 && inRegion1(n));
    assert.deepEqual([...await searchAll(server, sue)].sort(), expected1.sort());
    const admin = await signIn(server, "admin", server.adminPassword);
    assert.equal((await searchAll(server, admin)).size, 125);

    // Second import: 15 moves into Region 1, 10 renames, 100 + 1 removals, 20 adds.
    const movers = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 4 === 1);
    const rows = [];
    for (let i = 0; i < 1000; i++) {
      if (i >= 900 || i === 4) continue;
      if (movers.includes(i)) rows.push({ i, unit: "Organization/Region 1/Team 1" });
      else if (i >= 200 && i < 210) rows.push({ i, name: `Agent ${i} Jr` });
      else rows.push({ i });
    }
    for (let i = 1000; i < 1020; i++) rows.push({ i });
    const second = join(dir, "agents-2.csv");
    await Deno.writeTextFile(second, csv(rows));
    const before = await listDirectory(config);
    const dry2 = await selrec(config, ["agents", "import", second, "--dry-run"]);
    assert.equal(dry2.code, 0, dry2.stderr);
    assert.match(
      dry2.stdout,
      /plan: 20 to add, 15 to move, 10 to rename, 0 to update, 101 to remove, 874 unchanged/,
    );
    assertSameDirectory(await listDirectory(config), before);
    const lines = planLinesOf(dry2.stdout);
    assert.equal(lines.length, 20 + 15 + 10 + 101);
    const real2 = await selrec(config, [
      "agents",
      "import",
      second,
      "--plan",
      digestOf(dry2.stdout),
    ]);
    assert.equal(real2.code, 0, real2.stderr);
    assert.deepEqual(planLinesOf(real2.stdout), lines);
    assertSameDirectory(await listDirectory(config), expectedAfter(before, lines, "csv"));
    const audits = query<{ details: string; actor_type: string }>(
      db,
      "SELECT details, actor_type FROM audit_events WHERE action = 'agents.import' ORDER BY seq",
    );
    assert.equal(audits.length, 2, "one audit row per real run, none for dry runs or refusals");
    const details = JSON.parse(audits[1].details);
    assert.deepEqual(details.changes, lines);
    assert.equal(audits[1].actor_type, "cli");
    // Re-running the same plan is refused now: the directory changed since.
    const stale = await selrec(config, [
      "agents",
      "import",
      second,
      "--plan",
      digestOf(dry2.stdout),
    ]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /not the reviewed/);

    // The supervisor's search follows: the movers' recordings appear; ag0004 was removed
    // but keeps its unit, so its recording stays with its team.
    const expected2 = recIds.filter((_, n) => n < 120 && (inRegion1(n) || movers.includes(n)));
    assert.deepEqual([...await searchAll(server, sue)].sort(), expected2.sort());
    const unknown = await selrec(config, ["agents", "unknown", "--json"]);
    assert.deepEqual(
      JSON.parse(unknown.stdout).map((u: { agentId: string; recordings: number }) => [
        u.agentId,
        u.recordings,
      ]),
      [["ghost-1", 5]],
    );
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  },
});
