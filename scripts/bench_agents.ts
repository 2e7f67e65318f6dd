/**
 * The agent directory at scale: seeds N recordings (and their calls) over 1,000 directory
 * agents plus 20 agent ids the directory lacks into a temp database, then times
 *
 * - `unknownAgents()` (the admin page's list: a skip-scan of the agent indexes plus one
 *   index range per unknown id), against the same answer by a plain GROUP BY over calls
 *   (what a query without the walk costs; a per-recording flag would also need a write on
 *   every call and a backfill after every import);
 * - a 1,000-agent CSV import plan (dry run) and a real import applying 100 moves;
 * - a supervisor's first search page and count through the access WHERE, before and after
 *   the directory holds the agents.
 *
 *   deno run -A scripts/bench_agents.ts [--rows 1000000] [--runs 10]
 */
import { parseArgs } from "node:util";
import { migrate, openStore } from "../src/store/db.ts";
import { AuditLog } from "../src/audit/audit_log.ts";
import { unknownAgents } from "../src/store/queries/agents.ts";
import { recordingVisibleSearchWhere } from "../src/store/queries/recording_access.ts";
import { runAgentImport, type SourceAgent } from "../src/agents/agent_import.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "10" },
  },
});
const ROWS = Number(values.rows), RUNS = Number(values.runs);

async function time(runs: number, fn: () => Promise<unknown> | unknown) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return {
    p50: +ms[Math.floor(ms.length / 2)].toFixed(1),
    max: +ms[ms.length - 1].toFixed(1),
  };
}

const dir = await Deno.makeTempDir({ prefix: "selrec-bench-agents-" });
try {
  await using store = openStore(`${dir}/bench.db`);
  await migrate(store.db);
  const raw = store.raw;
  raw.exec(
    "INSERT INTO storage_locations (id, name, kind, path) VALUES (1, 'spool', 'spool', '/t')",
  );
  const seedStart = performance.now();
  raw.exec("BEGIN");
  const call = raw.prepare(
    "INSERT INTO calls (id, call_key, source, started_at, agent_id, recorded) VALUES (?, ?, 'siprec', ?, ?, 1)",
  );
  const rec = raw.prepare(
    `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
      agent_id, created_at) VALUES (?, ?, 'complete', 'opus', ?, 'x', 1, ?, ?)`,
  );
  const t0 = Date.parse("2026-11-29T00:00:00Z");
  for (let i = 0; i < ROWS; i++) {
    const agent = i % 500 === 0 ? `ghost${(i / 500) % 20}` : `ag${(i * 7919) % 1000}`;
    const at = new Date(t0 - i * 30_000).toISOString();
    call.run(`c${i}`, `k${i}`, at, agent);
    rec.run(`r${i}`, `c${i}`, at, agent, at);
  }
  raw.exec("COMMIT");
  raw.exec("ANALYZE");
  const seedSeconds = +((performance.now() - seedStart) / 1000).toFixed(1);
  const audit = new AuditLog(store.db);
  const agents = (unitOf: (a: number) => string): SourceAgent[] =>
    Array.from({ length: 1000 }, (_, a) => ({
      agentId: `ag${a}`,
      name: `Agent ${a}`,
      extension: null,
      dn: null,
      orgUnit: unitOf(a),
      where: `line ${a + 2}`,
    }));
  const tree = (a: number) => `Org/Site ${a % 5}/Team ${a % 50}`;
  const req = (dryRun: boolean, unitOf = tree) => ({
    source: "csv" as const,
    agents: agents(unitOf),
    origin: "bench",
    dryRun,
    createUnits: true,
    actor: { type: "cli" as const, name: "bench" },
    now: Date.now,
  });
  const supervisor = async () => {
    const site = await store.db.selectFrom("org_units").select("path")
      .where("name", "=", "Site 1").executeTakeFirst();
    const where = await recordingVisibleSearchWhere(store.db, {
      partitions: null,
      hierarchy: { agentId: null, orgPath: site?.path ?? "/nowhere/", orgRoot: false },
    });
    const page = await store.db.selectFrom("recordings").select("id").where(where)
      .orderBy("started_at", "desc").orderBy("id", "desc").limit(50).execute();
    return page.length;
  };
  const firstImportDry = await time(3, () => runAgentImport(store.db, audit, req(true)));
  const firstImport = await time(1, () => runAgentImport(store.db, audit, req(false)));
  const moved = (a: number) => a < 100 ? `Org/Site ${(a + 1) % 5}/Team ${a % 50}` : tree(a);
  const moveDry = await time(3, () => runAgentImport(store.db, audit, req(true, moved)));
  const moveReal = await time(1, () => runAgentImport(store.db, audit, req(false, moved)));
  const unknownList = await unknownAgents(store.db, 100);
  const result = {
    rows: ROWS,
    seedSeconds,
    unknownAgents: unknownList.length,
    unknownAgentsMs: await time(RUNS, () => unknownAgents(store.db, 100)),
    groupByScanMs: await time(Math.min(RUNS, 3), () =>
      raw.prepare(
        `SELECT agent_id, count(*), max(started_at) FROM calls
          WHERE agent_id NOT IN (SELECT agent_id FROM agents) GROUP BY agent_id`,
      ).all()),
    import1000DryRunMs: firstImportDry,
    import1000Ms: firstImport,
    import100MovesDryRunMs: moveDry,
    import100MovesMs: moveReal,
    supervisorFirstPageMs: await time(RUNS, supervisor),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await Deno.remove(dir, { recursive: true });
}
