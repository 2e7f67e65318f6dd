/**
 * Handlers for `selrec rules …`. They write to injected writers and return an exit code;
 * main.ts dispatches `rules check|test` here. `rules simulate` needs stored calls, so
 * main.ts feeds {@link simulate} from the database and prints {@link renderSimulation}.
 *
 * Exit codes: 0 ok, 1 usage error, 2 invalid rules.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type CallFacts, evaluate } from "./evaluate.ts";
import { formatRuleError, loadRules } from "./loader.ts";
import { BUILTIN_FIELDS } from "./condition_schema.ts";
import { NO_QUOTA_USED } from "./quota.ts";
import type { RuleSet } from "./schema.ts";
import { renderTrace } from "./trace.ts";

/** Where CLI handlers write, and values main.ts supplies from config. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Rules directory when none is given; default "rules". */
  rulesDir?: string;
  /** Sampling salt from config; default "". */
  salt?: string;
  /** Clock; default `() => new Date()`. */
  now?: () => Date;
}

/** Usage text of `selrec rules`. */
export const RULES_USAGE = `usage:
  selrec rules check [DIR]
  selrec rules test --meta KEY=VALUE ... [--json] [--rules DIR] [--at ISO] [--call-key K] [--salt S]
  selrec rules simulate [--rules DIR] [--since 7d]

--meta keys: ${BUILTIN_FIELDS.join(", ")}, data.KEY, or any other
attached-data key as is (e.g. GRECORD_PARTITIONS=a,b). Quotas count as unused in "test".
`;

/** Runs `selrec rules <args>`; `args` excludes "rules". */
export async function runRulesCli(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "check":
      return await rulesCheck(rest, io);
    case "test":
      return await rulesTest(rest, io);
    case "help":
    case "--help":
    case "-h":
      io.stdout(RULES_USAGE);
      return 0;
    default:
      io.stderr(
        `${
          sub === undefined ? "Missing subcommand" : `Unknown subcommand "${sub}"`
        }\n${RULES_USAGE}`,
      );
      return 1;
  }
}

async function load(dir: string, io: CliIo): Promise<RuleSet | null> {
  const r = await loadRules(dir);
  if (r.ok) return r.ruleSet;
  for (const e of r.errors) io.stderr(formatRuleError(e) + "\n");
  io.stderr(`${r.errors.length} error${r.errors.length === 1 ? "" : "s"} in ${dir}\n`);
  return null;
}

/** `rules check [DIR]`: exit 2 listing every error, else a summary of the rules in order. */
export async function rulesCheck(args: string[], io: CliIo): Promise<number> {
  if (args.length > 1 || args[0]?.startsWith("-")) {
    io.stderr(`Unexpected arguments: ${args.join(" ")}\n${RULES_USAGE}`);
    return 1;
  }
  const dir = args[0] ?? io.rulesDir ?? "rules";
  const rs = await load(dir, io);
  if (!rs) return 2;
  const d = rs.defaults;
  io.stdout(
    `OK: ${rs.rules.length} rule${rs.rules.length === 1 ? "" : "s"} in ${rs.files.length} ` +
      `file${rs.files.length === 1 ? "" : "s"} (fingerprint ${rs.fingerprint})\n` +
      `default: ${d.record ? "record" : "do not record"}, time zone ${d.timeZone}, ` +
      `partitions key ${d.partitionsKey}\n`,
  );
  for (const r of rs.rules) {
    const what = r.then.record ? `record ${r.then.mode}` : "do not record";
    const extra = [
      r.enabled ? "" : "DISABLED",
      r.sample < 100 ? `sample ${r.sample}%` : "",
      r.window ? "window" : "",
      r.quota.length > 0
        ? `quota ${r.quota.map((q) => `${q.max}/${q.per}/${q.period}`).join(",")}`
        : "",
    ].filter(Boolean).join(", ");
    io.stdout(`  ${r.id}  ${what}${extra ? `, ${extra}` : ""}  (${r.source})\n`);
  }
  return 0;
}

/** Splits `--meta` pairs into built-in fields and attached data. */
export function metaToCall(callKey: string, pairs: readonly string[]): CallFacts | string {
  const fields: Record<string, string> = {};
  const data: Record<string, string> = {};
  const builtins: ReadonlySet<string> = new Set(BUILTIN_FIELDS);
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) return `Cannot parse --meta "${p}": expected KEY=VALUE`;
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (builtins.has(key)) fields[key] = value;
    else data[key.startsWith("data.") ? key.slice(5) : key] = value;
  }
  return { callKey, fields, data };
}

/** `rules test --meta k=v …`: prints the decision and its trace (text, or JSON with --json). */
export async function rulesTest(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        meta: { type: "string", multiple: true, default: [] },
        json: { type: "boolean", default: false },
        rules: { type: "string" },
        at: { type: "string" },
        "call-key": { type: "string", default: "cli-test-call" },
        salt: { type: "string" },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    io.stderr(`${(e as Error).message}\n${RULES_USAGE}`);
    return 1;
  }
  const now = values.at === undefined ? (io.now ?? (() => new Date()))() : new Date(values.at);
  if (Number.isNaN(now.getTime())) {
    io.stderr(`Cannot parse --at "${values.at}": expected an ISO 8601 date\n`);
    return 1;
  }
  const call = metaToCall(values["call-key"], values.meta);
  if (typeof call === "string") {
    io.stderr(call + "\n");
    return 1;
  }
  const rs = await load(values.rules ?? io.rulesDir ?? "rules", io);
  if (!rs) return 2;
  const salt = values.salt ?? io.salt ?? "";
  const d = evaluate(rs, call, { now, salt, quota: NO_QUOTA_USED });
  io.stdout(values.json ? JSON.stringify(d, null, 2) + "\n" : renderTrace(d.trace));
  return 0;
}
