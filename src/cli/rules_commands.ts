/** `rules check`, `rules test` and `rules simulate` (over stored past calls). */
import { loadRules, parseSince, renderSimulation, Simulation } from "../rules/mod.ts";
import type { CliArgs, CliIO, Command } from "./command.ts";
import { configFor, storeFor } from "./context.ts";
import { META_HELP, rulesCheck, rulesTest } from "./rules_cli.ts";
import { listCallsWithLastRule } from "../store/queries/calls.ts";

/** Refuses positionals beyond `max` (exit 1, as the rules handlers do for bad values). */
function extraArguments(args: CliArgs, max: number, io: CliIO): boolean {
  if (args.positionals.length <= max) return false;
  io.stderr(`Unexpected arguments: ${args.positionals.slice(max).join(" ")}\n`);
  return true;
}

export const rulesCheckCommand: Command = {
  path: ["rules", "check"],
  summary: "Validate rule files; exit 2 listing every error with file, line and field",
  usage: "[DIR]",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    if (extraArguments(args, 1, io)) return 1;
    const dir = args.positionals[0] ?? loaded.config.rules.dir;
    return await rulesCheck(dir, io, Object.keys(loaded.config.storage.retentionClasses));
  },
};

export const rulesTestCommand: Command = {
  path: ["rules", "test"],
  summary: "Evaluate the rules for one call's metadata and print the decision and trace",
  usage: "--meta KEY=VALUE … [--json] [--rules DIR] [--at ISO] [--call-key K] [--salt S]",
  help: META_HELP,
  options: {
    meta: { type: "string", multiple: true },
    json: { type: "boolean" },
    rules: { type: "string" },
    at: { type: "string" },
    "call-key": { type: "string" },
    salt: { type: "string" },
  },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    if (extraArguments(args, 0, io)) return 1;
    const v = args.values as {
      meta?: string[];
      json?: boolean;
      rules?: string;
      at?: string;
      "call-key"?: string;
      salt?: string;
    };
    return await rulesTest({
      rulesDir: v.rules ?? loaded.config.rules.dir,
      meta: v.meta ?? [],
      json: v.json ?? false,
      callKey: v["call-key"] ?? "cli-test-call",
      salt: v.salt ?? loaded.config.rules.salt,
      at: v.at,
      now: () => new Date(),
    }, io);
  },
};

export const rulesSimulateCommand: Command = {
  path: ["rules", "simulate"],
  summary: "Re-run current or candidate rules over stored past calls; per rule would vs did record",
  usage: "[--rules DIR] [--since 7d|ISO] [--json]",
  options: { rules: { type: "string" }, since: { type: "string" }, json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const dir = (args.values.rules as string | undefined) ?? loaded.config.rules.dir;
    const result = await loadRules(dir);
    if (!result.ok) {
      io.stderr(
        `Invalid rules in ${dir}:\n${
          result.errors.map((e) => `  - ${e.file}:${e.line}: ${e.message}`).join("\n")
        }\n`,
      );
      return 2;
    }
    const since = parseSince((args.values.since as string | undefined) ?? "7d", new Date());
    await using store = await storeFor(loaded);
    const sim = new Simulation(result.ruleSet, { salt: loaded.config.rules.salt });
    const calls = await listCallsWithLastRule(store.db, since.toISOString());
    for (const c of calls) {
      const fields: Record<string, string> = {};
      const map = {
        businessUnit: c.business_unit,
        customerType: c.customer_type,
        language: c.language,
        dn: c.dn,
        agentId: c.agent_id,
        queue: c.queue,
        direction: c.direction,
        ani: c.ani,
        dnis: c.dnis,
      };
      for (const [k, v] of Object.entries(map)) if (v) fields[k] = v;
      sim.add({
        callKey: c.call_key,
        fields,
        data: JSON.parse(c.metadata),
        startedAt: new Date(c.started_at),
        recorded: c.recorded === 1,
        ruleId: c.rule_id ?? null,
      });
    }
    const report = sim.report();
    io.stdout(args.values.json ? JSON.stringify(report) + "\n" : renderSimulation(report));
    return 0;
  },
};
