/**
 * `selrec agents import|sync|list|unknown`: the agent directory from the command line.
 * `import FILE` reads an agent CSV (src/agents/agent_csv.ts) and `sync` searches the LDAP
 * directory (`directory.agents.ldap`); both print the plan (adds, moves, renames,
 * updates, removals) and apply exactly that plan in one audited transaction, or with
 * `--dry-run` only print it. `--plan DIGEST` applies only if the plan is still the one a
 * dry run printed.
 */
import { AuditLog } from "../audit/audit_log.ts";
import { AgentCsvError, parseAgentCsvFile } from "../agents/agent_csv.ts";
import {
  AgentImportError,
  formatPlan,
  type ImportResult,
  runAgentImport,
} from "../agents/agent_import.ts";
import { syncLdapAgents } from "../agents/agent_sync_service.ts";
import { UnitNames } from "../agents/unit_names.ts";
import { listAgents, unknownAgents } from "../store/queries/agents.ts";
import { listOrgUnits } from "../store/queries/org_units.ts";
import { type CliArgs, type CliIO, type Command, table, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";

function planOption(args: CliArgs): string | undefined {
  const plan = args.values.plan as string | undefined;
  if (plan !== undefined && !/^[0-9a-f]{16}$/.test(plan)) {
    throw new UsageError("--plan expects the 16 hex digits a dry run printed");
  }
  return plan;
}

async function report(io: CliIO, run: () => Promise<ImportResult>): Promise<number> {
  try {
    io.stdout(formatPlan(await run()));
    return 0;
  } catch (err) {
    if (err instanceof AgentImportError) {
      io.stderr(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** `agents import FILE`. */
export const agentsImportCommand: Command = {
  path: ["agents", "import"],
  summary: "Import the agent directory from a CSV file (id,name,extension,dn,org_unit)",
  usage: "FILE [--dry-run] [--create-units] [--plan DIGEST]",
  help: "The header names the columns; id is required. org_unit is a unit id or a path of\n" +
    "unit names from the root (Org/Sales/Team A). Agents imported from a CSV before and\n" +
    "missing from FILE are removed (their recordings keep their unit).",
  options: {
    "dry-run": { type: "boolean" },
    "create-units": { type: "boolean" },
    plan: { type: "string" },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new UsageError("a CSV file is required");
    const expectDigest = planOption(args);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (err) {
      io.stderr(`${file}: ${(err as Error).message}\n`);
      return 1;
    }
    let parsed;
    try {
      parsed = parseAgentCsvFile(text);
    } catch (err) {
      if (!(err instanceof AgentCsvError)) throw err;
      io.stderr(`${file}: ${err.message}\n`);
      return 1;
    }
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const col = parsed.columns.org_unit ?? parsed.columns.id!;
    const agents = parsed.rows.map((r) => ({
      ...r,
      where: `${file}: line ${r.line}, column ${col} (${
        parsed.columns.org_unit ? "org_unit" : "id"
      })`,
    }));
    return await report(io, () =>
      runAgentImport(store.db, new AuditLog(store.db), {
        source: "csv",
        agents,
        origin: file,
        dryRun: args.values["dry-run"] === true,
        createUnits: args.values["create-units"] === true,
        keep: (["name", "extension", "dn"] as const).filter((c) => !parsed.columns[c]),
        expectDigest,
        actor: cliActor(io),
        now: Date.now,
      }));
  },
};

/** `agents sync`. */
export const agentsSyncCommand: Command = {
  path: ["agents", "sync"],
  summary: "Run the LDAP agent sync (directory.agents.ldap) now",
  usage: "[--dry-run] [--plan DIGEST]",
  options: { "dry-run": { type: "boolean" }, plan: { type: "string" } },
  async run(args, io) {
    const expectDigest = planOption(args);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const { config } = loaded;
    const agents = config.directory.agents.ldap;
    if (!agents || !config.auth.ldap) {
      io.stderr(`${loaded.source}: directory.agents.ldap is not configured\n`);
      return 2;
    }
    await using store = await storeFor(loaded);
    const deps = {
      settings: { connection: config.auth.ldap, agents },
      db: store.db,
      audit: new AuditLog(store.db),
    };
    const dryRun = args.values["dry-run"] === true;
    try {
      return await report(
        io,
        () => syncLdapAgents(deps, { dryRun, actor: cliActor(io), expectDigest }),
      );
    } catch (err) {
      io.stderr(`directory ${config.auth.ldap.url}: ${(err as Error).message || err}\n`);
      return 1;
    }
  },
};

/** `agents list`. */
export const agentsListCommand: Command = {
  path: ["agents", "list"],
  summary: "List the agent directory (name order)",
  usage: "[--unit PATH|ID] [--name TEXT] [--removed] [--json]",
  options: {
    unit: { type: "string" },
    name: { type: "string" },
    removed: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const units = new UnitNames(await listOrgUnits(store.db));
    const unit = args.values.unit as string | undefined;
    let unitPath: string | undefined;
    if (unit !== undefined) {
      const id = /^\d+$/.test(unit) ? Number(unit) : units.idOf(unit);
      unitPath = id === undefined ? undefined : units.pathOf(id);
      if (unitPath === undefined) {
        io.stderr(`--unit: no org unit "${unit}"\n`);
        return 1;
      }
    }
    const { agents } = await listAgents(store.db, {
      unitPath,
      text: args.values.name as string | undefined,
      includeRemoved: args.values.removed === true,
      offset: 0,
      limit: 1_000_000,
    });
    const rows = agents.map((a) => ({
      id: a.agentId,
      name: a.name,
      extension: a.extension,
      unit: units.name(a.orgUnitId),
      source: a.source,
      state: a.removed ? `removed ${a.removedAt}` : "active",
      dn: a.dn,
    }));
    io.stdout(
      args.values.json
        ? JSON.stringify(rows, null, 2) + "\n"
        : table(rows, ["id", "name", "extension", "unit", "source", "state"]),
    );
    return 0;
  },
};

/** `agents unknown`. */
export const agentsUnknownCommand: Command = {
  path: ["agents", "unknown"],
  summary: "Agent ids on calls and recordings that the directory does not have",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const rows = await unknownAgents(store.db, 10_000);
    io.stdout(
      args.values.json ? JSON.stringify(rows, null, 2) + "\n" : table(
        rows.map((r) => ({ ...r, user: r.username })),
        ["agentId", "calls", "recordings", "lastSeen", "user"],
      ),
    );
    return 0;
  },
};

/** Every `agents` command. */
export const AGENT_COMMANDS: Command[] = [
  agentsImportCommand,
  agentsSyncCommand,
  agentsListCommand,
  agentsUnknownCommand,
];
