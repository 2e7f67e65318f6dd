/**
 * What `selrec rules check` and `selrec rules test` do, over options the command frame
 * has already parsed (src/cli/rules_commands.ts). They write to injected writers and
 * return an exit code: 0 ok, 1 a value that cannot be used (`--meta`, `--at`, extra
 * arguments), 2 invalid rules.
 *
 * @module
 */
import {
  BUILTIN_FIELDS,
  type CallFacts,
  evaluate,
  formatRuleError,
  loadRules,
  NO_QUOTA_USED,
  renderTrace,
  type RuleSet,
} from "../rules/mod.ts";

/** Where the handlers write. */
export interface RulesOut {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What `--meta` accepts, for the command's help. */
export const META_HELP = `--meta keys: ${BUILTIN_FIELDS.join(", ")}, data.KEY, or any other
attached-data key as is (e.g. GRECORD_PARTITIONS=a,b). Quotas count as unused.`;

async function load(
  dir: string,
  out: RulesOut,
  retentionClasses?: readonly string[],
): Promise<RuleSet | null> {
  const r = await loadRules(dir, { retentionClasses });
  if (r.ok) return r.ruleSet;
  for (const e of r.errors) out.stderr(formatRuleError(e) + "\n");
  out.stderr(`${r.errors.length} error${r.errors.length === 1 ? "" : "s"} in ${dir}\n`);
  return null;
}

/**
 * `rules check [DIR]`: exit 2 listing every error, else a summary of the rules in order.
 * With `retentionClasses` (the config's), a rule naming another class is an error.
 */
export async function rulesCheck(
  dir: string,
  out: RulesOut,
  retentionClasses?: readonly string[],
): Promise<number> {
  const rs = await load(dir, out, retentionClasses);
  if (!rs) return 2;
  const d = rs.defaults;
  out.stdout(
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
    out.stdout(`  ${r.id}  ${what}${extra ? `, ${extra}` : ""}  (${r.source})\n`);
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

/** Options of `rules test`, as parsed, with the config's values filled in. */
export interface RulesTestOptions {
  rulesDir: string;
  /** `KEY=VALUE` pairs, see {@link metaToCall}. */
  meta: readonly string[];
  json: boolean;
  callKey: string;
  salt: string;
  /** `--at`: the evaluation time as ISO 8601; absent means `now()`. */
  at?: string;
  now: () => Date;
}

/** `rules test --meta k=v …`: prints the decision and its trace (text, or JSON). */
export async function rulesTest(opts: RulesTestOptions, out: RulesOut): Promise<number> {
  const now = opts.at === undefined ? opts.now() : new Date(opts.at);
  if (Number.isNaN(now.getTime())) {
    out.stderr(`Cannot parse --at "${opts.at}": expected an ISO 8601 date\n`);
    return 1;
  }
  const call = metaToCall(opts.callKey, opts.meta);
  if (typeof call === "string") {
    out.stderr(call + "\n");
    return 1;
  }
  const rs = await load(opts.rulesDir, out);
  if (!rs) return 2;
  const d = evaluate(rs, call, { now, salt: opts.salt, quota: NO_QUOTA_USED });
  out.stdout(opts.json ? JSON.stringify(d, null, 2) + "\n" : renderTrace(d.trace));
  return 0;
}
