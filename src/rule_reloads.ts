/**
 * The rules as the box runs them: loaded at startup (a broken set stops the box with
 * every error listed), every hot reload logged and audited.
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { AuditInput, AuditLog } from "./audit/audit_log.ts";
import { formatRuleError, RulesLoadError, RulesService } from "./rules/mod.ts";
import { StartupError } from "./service.ts";

/** Where reloads are reported. */
export interface RuleReloadDeps {
  audit: AuditLog;
  log: Logger;
  /** The rules directory (config `rules.dir`), the audit target. */
  dir: string;
}

/**
 * Logs and audits each rule reload: `rules.reload` with the new fingerprint, or outcome
 * `failed` with the errors when a reload is refused (the previous rules stay in force).
 * Returns a promise of the audit writes so far, for tests.
 */
export function watchRuleReloads(deps: RuleReloadDeps, rules: RulesService): () => Promise<void> {
  const { audit, log, dir } = deps;
  let pending = Promise.resolve();
  const write = (input: Omit<AuditInput, "actor" | "action">) => {
    pending = pending.then(() =>
      audit.append({
        actor: { type: "system", name: "rules" },
        action: "rules.reload",
        ...input,
      })
    ).then(() => {}, (err) => log.error("audit of a rule reload failed", { error: err }));
  };
  rules.onError((errors) => {
    const messages = errors.map(formatRuleError);
    log.error("rule reload failed; previous rules stay in force", { errors: messages });
    write({
      outcome: "failed",
      target: { type: "rules", id: dir },
      details: { errors: messages, fingerprint: rules.current().fingerprint },
    });
  });
  rules.onReload((set) => {
    log.info("rules reloaded", { fingerprint: set.fingerprint, rules: set.rules.length });
    write({
      target: { type: "rules", id: dir },
      details: { fingerprint: set.fingerprint, rules: set.rules.map((r) => r.id) },
    });
  });
  return () => pending;
}

/**
 * Loads and watches the rules, or null in record-all mode. A broken rule set at startup
 * throws a {@link StartupError} listing every error.
 */
export async function openRules(
  deps: Omit<RuleReloadDeps, "dir"> & {
    rules: Pick<Config["rules"], "dir">;
    recordAll: boolean;
    /** Retention class names (config storage.retentionClasses) rules may name. */
    retentionClasses: readonly string[];
  },
): Promise<RulesService | null> {
  if (deps.recordAll) return null;
  const dir = deps.rules.dir;
  try {
    const rules = await RulesService.open(dir, { retentionClasses: deps.retentionClasses });
    watchRuleReloads({ audit: deps.audit, log: deps.log, dir }, rules);
    return rules;
  } catch (err) {
    if (err instanceof RulesLoadError) {
      throw new StartupError(
        `Invalid rules in ${dir}:\n` +
          err.errors.map((e) => `  - ${formatRuleError(e)}`).join("\n"),
      );
    }
    throw err;
  }
}
