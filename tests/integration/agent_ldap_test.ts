/**
 * The LDAP agent source against a real OpenLDAP (`slapd` started by the test, LDAPS with
 * the test's CA) seeded with 1,000 agent entries by `ldapadd`: the real `selrec serve`
 * syncs them at start (audited as the system) into units it creates from
 * `departmentNumber`; a supervisor's HTTP search follows that tree with no user account
 * for any agent. Then the directory changes (moves, renames, deletions, new entries):
 * `selrec agents sync --dry-run` prints the plan, `agents sync --plan DIGEST` applies
 * exactly it, and a sync that would remove too many agents is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startSlapd, SUFFIX, type TestSlapd } from "../helpers/slapd.ts";
import { startServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";
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
const dn = (i: number) => `uid=agent${i},ou=agents,${SUFFIX}`;
const team = (i: number) => `Region ${i % 4 + 1}/Team ${Math.floor(i / 4) % 5 + 1}`;

function agentLdif(i: number): string {
  return `dn: ${dn(i)}
objectClass: inetOrgPerson
uid: agent${i}
cn: Agent ${i}
sn: ${i}
displayName: Agent ${i}
employeeNumber: ${id(i)}
telephoneNumber: ${2000 + i}
departmentNumber: ${team(i)}
`;
}

function modify(i: number, attr: string, value: string): string {
  return `dn: ${dn(i)}\nchangetype: modify\nreplace: ${attr}\n${attr}: ${value}\n`;
}

function configYaml(slapd: TestSlapd, dir: string): string {
  return `dataDir: ${join(dir, "data")}
auth:
  mfa: { requiredRoles: [] }
  scope: { partitions: false }
  ldap:
    url: ${slapd.ldapsUrl}
    caFile: ${slapd.certs.ca}
    userSearch:
      baseDn: ou=people,${SUFFIX}
      filter: (uid={username})
      bindDn: cn=manager,${SUFFIX}
      bindPasswordFile: ${join(dir, "bind.pw")}
    groupSearch: { baseDn: "ou=groups,${SUFFIX}" }
    mappings:
      - { group: "cn=nobody,ou=groups,${SUFFIX}", role: supervisor }
directory:
  agents:
    ldap:
      baseDn: ou=agents,${SUFFIX}
      filter: (objectClass=inetOrgPerson)
      attributes: { id: employeeNumber, name: displayName, extension: telephoneNumber, orgUnit: departmentNumber }
      orgUnitPrefix: Organization/
      createUnits: true
      interval: 1h
`;
}

Deno.test({
  name: "LDAP agent sync: 1,000 agents from slapd, supervisor scope, dry run = real run",
  sanitizeOps: true,
  sanitizeResources: false, // the server's and slapd's pipes live across steps
  async fn() {
    await using slapd = await startSlapd();
    await slapd.modify(
      "ldapadd",
      `dn: ou=agents,${SUFFIX}\nobjectClass: organizationalUnit\nou: agents\n\n` +
        Array.from({ length: 1000 }, (_, i) => agentLdif(i)).join("\n"),
    );
    const dir = await Deno.makeTempDir({ prefix: "selrec-agents-ldap-" });
    await Deno.writeTextFile(join(dir, "bind.pw"), "manager-secret\n", { mode: 0o600 });
    const config = join(dir, "selrec.yaml");
    await Deno.writeTextFile(config, configYaml(slapd, dir));
    await Deno.mkdir(join(dir, "data"));
    await using server = await startServer({ configFile: config, dataDir: join(dir, "data") });
    const db = join(server.dataDir, "selrec.db");

    // The box syncs at start: 1,000 agents in 4 regions × 5 teams, audited as the system.
    const audit = await waitFor(
      "the start-up agent sync",
      () =>
        query<{ actor_type: string; details: string }>(
          db,
          "SELECT actor_type, details FROM audit_events WHERE action = 'agents.import'",
        )[0],
      60_000,
    );
    assert.equal(audit.actor_type, "system");
    const first = JSON.parse(audit.details);
    assert.deepEqual([first.adds, first.unitsCreated, first.removals], [1000, 24, 0]);
    assert.match(first.origin, /^ldaps:\/\/127\.0\.0\.1:\d+ ou=agents,dc=example,dc=com/);
    const row = query<Record<string, unknown>>(
      db,
      `SELECT a.name, a.extension, a.dn, a.source, o.name AS team FROM agents a
       JOIN org_units o ON o.id = a.org_unit_id WHERE a.agent_id = 'ag0013'`,
    )[0];
    assert.deepEqual(row, {
      name: "Agent 13",
      extension: "2013",
      dn: dn(13),
      source: "ldap",
      team: "Team 4",
    });

    // A supervisor of Region 1 sees recordings of Region 1's agents only.
    const recIds = seedRecordings(db, Array.from({ length: 120 }, (_, i) => id(i)));
    const region1 =
      query<{ id: number }>(db, "SELECT id FROM org_units WHERE name = 'Region 1'")[0];
    const add = await selrec(config, [
      "user",
      "add",
      "sue",
      "--role",
      "supervisor",
      "--org-unit",
      String(region1.id),
      "--password-stdin",
    ], "sue-password-long-1\n");
    assert.equal(add.code, 0, add.stderr);
    assert.equal(query(db, "SELECT 1 FROM users").length, 2, "admin and sue: no agent accounts");
    const sue = await signIn(server, "sue", "sue-password-long-1");
    const inRegion1 = (i: number) => i % 4 === 0;
    assert.deepEqual(
      [...await searchAll(server, sue)].sort(),
      recIds.filter((_, n) => inRegion1(n)).sort(),
    );

    // The directory changes: 15 moves into Region 1, 10 renames, 51 deletions, 20 new.
    const movers = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 4 === 1);
    await slapd.modify(
      "ldapmodify",
      [
        ...movers.map((i) => modify(i, "departmentNumber", "Region 1/Team 1")),
        ...Array.from(
          { length: 10 },
          (_, k) => modify(200 + k, "displayName", `Agent ${200 + k} Jr`),
        ),
      ].join("\n"),
    );
    await slapd.modify(
      "ldapdelete",
      [4, ...Array.from({ length: 50 }, (_, k) => 900 + k)].map(dn).join("\n"),
    );
    await slapd.modify(
      "ldapadd",
      Array.from({ length: 20 }, (_, k) => agentLdif(1000 + k)).join("\n"),
    );
    const before = await listDirectory(config);
    const dry = await selrec(config, ["agents", "sync", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(
      dry.stdout,
      /plan: 20 to add, 15 to move, 10 to rename, 0 to update, 51 to remove, 924 unchanged/,
    );
    assertSameDirectory(await listDirectory(config), before);
    const lines = planLinesOf(dry.stdout);
    const real = await selrec(config, ["agents", "sync", "--plan", digestOf(dry.stdout)]);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(planLinesOf(real.stdout), lines);
    assertSameDirectory(await listDirectory(config), expectedAfter(before, lines, "ldap"));
    const second = query<{ actor_type: string; details: string }>(
      db,
      "SELECT actor_type, details FROM audit_events WHERE action = 'agents.import' ORDER BY seq",
    );
    assert.equal(second.length, 2);
    assert.equal(second[1].actor_type, "cli");
    assert.deepEqual(JSON.parse(second[1].details).changes, lines);
    assert.deepEqual(
      [...await searchAll(server, sue)].sort(),
      recIds.filter((_, n) => inRegion1(n) || movers.includes(n)).sort(),
    );

    // 300 more deletions are over maxRemovePercent (25%): refused, nothing changes.
    await slapd.modify("ldapdelete", Array.from({ length: 300 }, (_, k) => dn(500 + k)).join("\n"));
    const settled = await listDirectory(config);
    const refused = await selrec(config, ["agents", "sync"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /would remove 300 of 969 agents \(more than 25%\); nothing was changed/,
    );
    assertSameDirectory(await listDirectory(config), settled);

    // The directory down: the sync fails naming it and changes nothing.
    await slapd.stop();
    const down = await selrec(config, ["agents", "sync", "--dry-run"]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /directory ldaps:\/\/127\.0\.0\.1:\d+: /);
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  },
});
