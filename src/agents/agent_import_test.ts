import assert from "node:assert/strict";
import { migrate, openStore, type Store } from "../store/db.ts";
import { AuditLog } from "../audit/audit_log.ts";
import { loadDirectory } from "../store/queries/agents.ts";
import {
  AgentImportError,
  type ImportRequest,
  runAgentImport,
  type SourceAgent,
} from "./agent_import.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };

async function withStore(fn: (store: Store, audit: AuditLog) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-agent-import-" });
  try {
    await using store = openStore(`${dir}/a.db`);
    await migrate(store.db);
    store.raw.exec(`INSERT INTO org_units (id, name, parent_id, path) VALUES
      (1,'Org',NULL,'/1/'),(2,'Sales',1,'/1/2/')`);
    await fn(store, new AuditLog(store.db));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const agent = (id: string, orgUnit: string | null, more: Partial<SourceAgent> = {}) => ({
  agentId: id,
  name: `Agent ${id}`,
  extension: null,
  dn: null,
  orgUnit,
  where: `line for ${id}`,
  ...more,
});

function request(agents: SourceAgent[], more: Partial<ImportRequest> = {}): ImportRequest {
  return {
    source: "csv",
    agents,
    origin: "t.csv",
    dryRun: false,
    createUnits: false,
    actor: { type: "cli", name: "t" },
    now: () => Date.parse("2026-12-01T00:00:00Z"),
    ...more,
  };
}

async function importError(store: Store, audit: AuditLog, req: ImportRequest): Promise<string> {
  const err = await runAgentImport(store.db, audit, req).then(() => null, (e) => e);
  assert.ok(err instanceof AgentImportError, `expected AgentImportError, got ${err}`);
  return err.message;
}

Deno.test(
  "runAgentImport(): a dry run plans what the real run applies, and changes nothing",
  SAN,
  async () => {
    await withStore(async (store, audit) => {
      const agents = [
        agent("a1", " Org / Sales "),
        agent("a2", "2"),
        agent("a3", "Org/Care/Team 1"),
      ];
      const dry = await runAgentImport(
        store.db,
        audit,
        request(agents, { dryRun: true, createUnits: true }),
      );
      assert.equal(dry.applied, false);
      assert.deepEqual(dry.unitLines, [
        'unit    "Org/Care"  created',
        'unit    "Org/Care/Team 1"  created',
      ]);
      assert.deepEqual(await loadDirectory(store.db), []);
      assert.equal(store.raw.prepare("SELECT count(*) AS n FROM org_units").get()!.n, 2);
      const real = await runAgentImport(
        store.db,
        audit,
        request(agents, { createUnits: true, expectDigest: dry.digest }),
      );
      assert.deepEqual({ ...real, applied: false }, dry);
      const rows = await loadDirectory(store.db);
      assert.deepEqual(rows.map((r) => [r.agentId, r.orgUnitId, r.source, r.updatedAt]), [
        ["a1", 2, "csv", "2026-12-01T00:00:00.000Z"],
        ["a2", 2, "csv", "2026-12-01T00:00:00.000Z"],
        ["a3", 4, "csv", "2026-12-01T00:00:00.000Z"],
      ]);
      const audits = await store.db.selectFrom("audit_events").selectAll()
        .where("action", "=", "agents.import").execute();
      assert.equal(audits.length, 1);
      const details = JSON.parse(audits[0].details);
      assert.deepEqual(details.changes, [...dry.unitLines, ...dry.lines]);
      assert.equal(details.digest, dry.digest);
    });
  },
);

Deno.test(
  "runAgentImport() refuses unknown units, duplicates, a changed plan and mass removals",
  SAN,
  async () => {
    await withStore(async (store, audit) => {
      assert.match(
        await importError(store, audit, request([agent("a1", "Org/Nowhere")])),
        /^line for a1: no org unit "Org\/Nowhere"/,
      );
      assert.match(
        await importError(store, audit, request([agent("a1", "9")])),
        /no org unit with id 9/,
      );
      assert.match(
        await importError(
          store,
          audit,
          request([agent("a1", "Org//Sales")], { createUnits: true }),
        ),
        /has an empty name/,
      );
      assert.match(
        await importError(store, audit, request([agent("a1", null), agent("a1", null)])),
        /"a1" is listed twice \(line for a1\)/,
      );
      const ten = Array.from({ length: 10 }, (_, i) => agent(`a${i}`, "Org/Sales"));
      await runAgentImport(store.db, audit, request(ten));
      assert.match(
        await importError(store, audit, request(ten.slice(0, 7), { maxRemovePercent: 25 })),
        /would remove 3 of 10 agents \(more than 25%\); nothing was changed/,
      );
      assert.match(
        await importError(store, audit, request(ten, { expectDigest: "0000000000000000" })),
        /not the reviewed 0000000000000000/,
      );
      const fine = await runAgentImport(
        store.db,
        audit,
        request(ten.slice(0, 8), { maxRemovePercent: 25 }),
      );
      assert.equal(fine.counts.removals, 2);
      // A file without a column keeps what the directory has for it.
      const named = ten.slice(0, 8).map((a) => ({ ...a, name: null, extension: "x" }));
      const kept = await runAgentImport(store.db, audit, request(named, { keep: ["name"] }));
      assert.equal(kept.counts.renames, 0);
      assert.equal(kept.counts.updates, 8);
      assert.equal((await loadDirectory(store.db))[0].name, "Agent a0");
    });
  },
);
