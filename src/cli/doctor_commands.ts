/** `doctor`: the box's self-check as a table; exit 1 naming each failed check. */
import { SERVICE_USER } from "../accounts.ts";
import { failedChecks, runChecks } from "../doctor/checks.ts";
import { gatherFacts } from "../doctor/gather.ts";
import { type Command, table } from "./command.ts";
import { configFor } from "./context.ts";

export const doctorCommand: Command = {
  path: ["doctor"],
  summary: "Check ports, buffers, file limits, disk, archive targets, clock, database, rules, " +
    "certificates and file ownership",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  help: "Read-only; run it beside a running box or before the first start. Exit 1 naming\n" +
    "each failed check; warn and unknown rows do not fail.",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    const facts = await gatherFacts(loaded.config, io.env.SELREC_SERVICE_USER || SERVICE_USER);
    const results = runChecks(facts);
    const failed = failedChecks(results);
    if (args.values.json) {
      io.stdout(JSON.stringify({ config: loaded.source, results, failed }) + "\n");
    } else {
      io.stdout(`# selrec doctor (config: ${loaded.source})\n`);
      io.stdout(
        table(results as unknown as Record<string, unknown>[], ["check", "status", "detail"]),
      );
    }
    if (failed.length > 0) {
      io.stderr(`doctor: ${failed.length} failed: ${failed.join(", ")}\n`);
      return 1;
    }
    return 0;
  },
};
