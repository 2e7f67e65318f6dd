/**
 * The scheduled LDAP agent sync (`directory.agents.ldap`): at start and every `interval`,
 * search the directory and apply the change set through the same {@link runAgentImport}
 * as `selrec agents import`, audited as `agents.import` by the system. A failed run (the
 * directory down, an unknown unit, too many removals) changes nothing, is logged and
 * audited as `agents.sync` with outcome `failed`, and the next run tries again.
 */
import type { Db } from "../store/db.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import type { Service } from "../service.ts";
import { parseDuration } from "../duration.ts";
import type { LdapConfig } from "../auth/identity_config.ts";
import type { DirectoryConfig } from "./agents_config.ts";
import { formatPlan, type ImportResult, runAgentImport } from "./agent_import.ts";
import { type AgentLdapSettings, fetchLdapAgents, ldapOrigin } from "./ldap_agent_source.ts";

/** What one sync needs. */
export interface AgentSyncDeps {
  settings: AgentLdapSettings;
  db: Db;
  audit: AuditLog;
  log: Logger;
  now?: () => number;
  readFile?: (path: string) => Promise<string>;
}

/** Searches the directory and imports (or, with `dryRun`, plans) the agents it lists. */
export async function syncLdapAgents(
  deps: Omit<AgentSyncDeps, "log">,
  opts: {
    dryRun: boolean;
    actor?: Parameters<AuditLog["append"]>[0]["actor"];
    expectDigest?: string;
  },
): Promise<ImportResult> {
  const { settings } = deps;
  const agents = await fetchLdapAgents(settings, deps.readFile);
  return await runAgentImport(deps.db, deps.audit, {
    source: "ldap",
    agents,
    origin: ldapOrigin(settings),
    dryRun: opts.dryRun,
    createUnits: settings.agents.createUnits,
    maxRemovePercent: settings.agents.maxRemovePercent,
    expectDigest: opts.expectDigest,
    actor: opts.actor ?? { type: "system", name: "agent-sync" },
    now: deps.now ?? Date.now,
  });
}

/** The sync as a service of the box: one run at start, then every `interval`. */
export function agentSyncService(deps: AgentSyncDeps): Service {
  const { log } = deps;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  const interval = parseDuration(deps.settings.agents.interval);
  const once = async () => {
    try {
      const r = await syncLdapAgents(deps, { dryRun: false });
      const changed = r.lines.length + r.unitLines.length;
      if (changed > 0) log.info("agent directory synced", { ...r.counts, digest: r.digest });
      else log.debug("agent directory unchanged", { unchanged: r.counts.unchanged });
      if (changed > 0) log.debug("agent sync plan", { plan: formatPlan(r) });
    } catch (err) {
      const error = (err as Error).message || String(err);
      log.error("agent directory sync failed", { error });
      await deps.audit.append({
        actor: { type: "system", name: "agent-sync" },
        action: "agents.sync",
        outcome: "failed",
        target: { type: "agents", id: "ldap" },
        details: { origin: ldapOrigin(deps.settings), error },
      }).catch((e) => log.error("agent sync audit failed", { error: e }));
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = once().finally(() => {
        running = null;
        schedule();
      });
    }, interval);
  };
  return {
    name: "agent sync",
    start() {
      running = once().finally(() => {
        running = null;
        schedule();
      });
      return Promise.resolve();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** The sync service when `directory.agents.ldap` is configured, else none. */
export function agentSyncFor(
  config: { directory: DirectoryConfig; auth: { ldap?: LdapConfig } },
  deps: Omit<AgentSyncDeps, "settings">,
): Service[] {
  const agents = config.directory.agents.ldap;
  const connection = config.auth.ldap;
  if (!agents || !connection) return [];
  return [agentSyncService({ ...deps, settings: { connection, agents } })];
}
