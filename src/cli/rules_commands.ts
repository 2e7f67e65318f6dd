/** `rules check`, `rules test` and `rules simulate` (over stored past calls). */
import { loadRules, parseSince, renderSimulation, runRulesCli, Simulation } from "../rules/mod.ts";
import type { Command } from "./command.ts";
import { configFor, storeFor } from "./context.ts";

function passthrough(
  sub: "check" | "test",
  summary: string,
  usage: string,
  options: Command["options"],
): Command {
  return {
    path: ["rules", sub],
    summary,
    usage,
    options,
    async run(args, io) {
      const loaded = await configFor(args, io);
      if (!loaded) return 2;
      const argv: string[] = [...args.positionals];
      for (const [k, v] of Object.entries(args.values)) {
        if (k === "config" || k === "help" || v === undefined || v === false) continue;
        if (v === true) argv.push(`--${k}`);
        else for (const x of Array.isArray(v) ? v : [v]) argv.push(`--${k}`, String(x));
      }
      return await runRulesCli([sub, ...argv], {
        stdout: io.stdout,
        stderr: io.stderr,
        rulesDir: loaded.config.rules.dir,
        salt: loaded.config.rules.salt,
      });
    },
  };
}

export const rulesCheckCommand = passthrough(
  "check",
  "Validate rule files; exit 2 listing every error with file, line and field",
  "[DIR] [--json]",
  { json: { type: "boolean" } },
);

export const rulesTestCommand = passthrough(
  "test",
  "Evaluate the rules for one call's metadata and print the decision and trace",
  "--meta KEY=VALUE … [--json] [--rules DIR] [--at ISO] [--call-key K]",
  {
    meta: { type: "string", multiple: true },
    json: { type: "boolean" },
    rules: { type: "string" },
    at: { type: "string" },
    "call-key": { type: "string" },
    salt: { type: "string" },
  },
);

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
    const calls = await store.db.selectFrom("calls").leftJoin(
      (eb) =>
        eb.selectFrom("rule_decisions").select(["call_id", (e) => e.fn.max("id").as("last")])
          .groupBy(
            "call_id",
          ).as("d"),
      (j) => j.onRef("d.call_id", "=", "calls.id"),
    ).leftJoin("rule_decisions as rd", "rd.id", "d.last").select([
      "calls.call_key",
      "calls.started_at",
      "calls.recorded",
      "calls.metadata",
      "calls.business_unit",
      "calls.customer_type",
      "calls.language",
      "calls.dn",
      "calls.agent_id",
      "calls.queue",
      "calls.direction",
      "calls.ani",
      "calls.dnis",
      "rd.rule_id",
    ]).where("calls.started_at", ">=", since.toISOString()).orderBy("calls.started_at").execute();
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
