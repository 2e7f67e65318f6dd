/**
 * One import of agents from a source (a CSV file or an LDAP search): resolve each agent's
 * unit, diff against the directory, print the plan, and — unless it is a dry run — apply
 * exactly that plan and audit it, all in one transaction. A dry run runs the same steps
 * in a transaction that is rolled back, so it cannot say anything the real run would not
 * do; the plan's digest lets a real run insist on the plan a person reviewed.
 */
import type { Db } from "../store/db.ts";
import type { AuditInput, AuditLog } from "../audit/audit_log.ts";
import { addOrgUnit, listOrgUnits } from "../store/queries/org_units.ts";
import { applyAgentChanges, loadDirectory } from "../store/queries/agents.ts";
import {
  type AgentSource,
  countPlan,
  diffAgents,
  type IncomingAgent,
  type PlanCounts,
  planLines,
  planSummary,
} from "./agent_diff.ts";
import { UnitNames } from "./unit_names.ts";

/** An agent as a source lists it, with where it was read (for error messages). */
export interface SourceAgent {
  agentId: string;
  name: string | null;
  extension: string | null;
  dn: string | null;
  /** A unit id (digits) or a `/`-separated path of unit names; null: no unit. */
  orgUnit: string | null;
  /** Where the org unit was read, e.g. `line 12, column 5 (org_unit)`. */
  where: string;
}

/** An import that cannot go ahead; the message names the line, entry or limit. */
export class AgentImportError extends Error {
  override name = "AgentImportError";
}

/** What to import and how. */
export interface ImportRequest {
  source: Exclude<AgentSource, "manual">;
  agents: readonly SourceAgent[];
  /** The file or directory search it came from, for the audit. */
  origin: string;
  dryRun: boolean;
  /** Create units named by path that do not exist (else each is an error). */
  createUnits: boolean;
  /** Refuse a plan that removes more than this share of the source's active agents. */
  maxRemovePercent?: number;
  /** Fields the source does not carry (a CSV without the column): kept as they are. */
  keep?: readonly ("name" | "extension" | "dn")[];
  /** Refuse unless the plan's digest is this (the one a reviewed dry run printed). */
  expectDigest?: string;
  actor: AuditInput["actor"];
  now: () => number;
}

/** The plan, and whether it was applied. */
export interface ImportResult {
  /** `unit    "Org/Sales/Team C"` lines for units the import creates. */
  unitLines: string[];
  lines: string[];
  counts: PlanCounts;
  /** First 16 hex digits of SHA-256 over the unit lines and the plan lines. */
  digest: string;
  applied: boolean;
}

class DryRunDone extends Error {
  constructor(readonly result: ImportResult) {
    super("dry run");
  }
}

async function digestOf(lines: string[]): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")));
  return [...new Uint8Array(hash)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function resolveUnits(
  tx: Db,
  req: ImportRequest,
  units: UnitNames,
): Promise<{ incoming: IncomingAgent[]; unitLines: string[] }> {
  const unitLines: string[] = [];
  const incoming: IncomingAgent[] = [];
  const seen = new Map<string, string>();
  for (const a of req.agents) {
    const earlier = seen.get(a.agentId);
    if (earlier !== undefined) {
      throw new AgentImportError(`${a.where}: agent "${a.agentId}" is listed twice (${earlier})`);
    }
    seen.set(a.agentId, a.where);
    let orgUnitId: number | null = null;
    if (a.orgUnit !== null && /^\d+$/.test(a.orgUnit)) {
      orgUnitId = Number(a.orgUnit);
      if (!units.has(orgUnitId)) {
        throw new AgentImportError(`${a.where}: no org unit with id ${a.orgUnit}`);
      }
    } else if (a.orgUnit !== null) {
      const path = a.orgUnit.split("/").map((step) => step.trim());
      if (path.some((step) => step === "")) {
        throw new AgentImportError(`${a.where}: org unit "${a.orgUnit}" has an empty name`);
      }
      orgUnitId = units.idOf(path.join("/")) ?? null;
      if (orgUnitId === null) {
        if (!req.createUnits) {
          throw new AgentImportError(
            `${a.where}: no org unit "${a.orgUnit}" (names from the root, separated by /; ` +
              "create it first or import with --create-units)",
          );
        }
        orgUnitId = await createPath(tx, path, units, unitLines);
      }
    }
    const { agentId, name, extension, dn } = a;
    incoming.push({ agentId, name, extension, dn, orgUnitId });
  }
  return { incoming, unitLines };
}

async function createPath(
  tx: Db,
  names: string[],
  units: UnitNames,
  unitLines: string[],
): Promise<number> {
  let parent: number | null = null;
  for (let i = 1; i <= names.length; i++) {
    const prefix = names.slice(0, i).join("/");
    const id = units.idOf(prefix);
    if (id !== undefined) {
      parent = id;
      continue;
    }
    const unit = await addOrgUnit(tx, names[i - 1], parent);
    units.add(unit, prefix);
    unitLines.push(`${"unit".padEnd(7)} ${JSON.stringify(prefix)}  created`);
    parent = unit.id;
  }
  return parent!;
}

function keepFields(
  incoming: IncomingAgent[],
  current: readonly IncomingAgent[],
  keep: readonly ("name" | "extension" | "dn")[],
): void {
  if (keep.length === 0) return;
  const byId = new Map(current.map((a) => [a.agentId, a]));
  for (const a of incoming) {
    const before = byId.get(a.agentId);
    if (before) { for (const f of keep) a[f] = before[f]; }
  }
}

/**
 * Plans the import and, unless `dryRun`, applies it and appends one `agents.import` audit
 * row, in one transaction. Throws {@link AgentImportError} for an unknown unit, a plan
 * over `maxRemovePercent`, or a digest other than `expectDigest` (nothing is changed).
 */
export async function runAgentImport(
  db: Db,
  audit: AuditLog,
  req: ImportRequest,
): Promise<ImportResult> {
  try {
    return await db.transaction().execute(async (tx) => {
      const units = new UnitNames(await listOrgUnits(tx));
      const { incoming, unitLines } = await resolveUnits(tx, req, units);
      const current = await loadDirectory(tx);
      keepFields(incoming, current, req.keep ?? []);
      const changes = diffAgents(current, incoming, req.source);
      const lines = planLines(changes, req.source, (id) => units.name(id));
      const counts = countPlan(changes, incoming.length, req.source);
      const digest = await digestOf([...unitLines, ...lines]);
      const result: ImportResult = { unitLines, lines, counts, digest, applied: false };
      const active = current.filter((a) => a.source === req.source && !a.removed).length;
      if (
        req.maxRemovePercent !== undefined && active > 0 &&
        counts.removals * 100 > active * req.maxRemovePercent
      ) {
        throw new AgentImportError(
          `the ${req.source} import would remove ${counts.removals} of ${active} agents ` +
            `(more than ${req.maxRemovePercent}%); nothing was changed`,
        );
      }
      if (req.expectDigest !== undefined && req.expectDigest !== digest) {
        throw new AgentImportError(
          `the plan is now ${digest}, not the reviewed ${req.expectDigest} (the file or the ` +
            "directory changed since the dry run); nothing was changed",
        );
      }
      if (req.dryRun) throw new DryRunDone(result);
      const at = new Date(req.now()).toISOString();
      await applyAgentChanges(tx, changes, req.source, at);
      const all = [...unitLines, ...lines];
      await audit.append({
        actor: req.actor,
        action: "agents.import",
        target: { type: "agents", id: req.source },
        details: {
          origin: req.origin,
          listed: incoming.length,
          ...counts,
          unitsCreated: unitLines.length,
          digest,
          changes: all.slice(0, 5_000),
          ...(all.length > 5_000 ? { changesNotListed: all.length - 5_000 } : {}),
        },
      }, tx);
      return { ...result, applied: true };
    });
  } catch (err) {
    if (err instanceof DryRunDone) return err.result;
    throw err;
  }
}

/** The plan as printed by the CLI: unit lines, change lines, summary and digest. */
export function formatPlan(r: ImportResult): string {
  return [
    ...r.unitLines,
    ...r.lines,
    `${r.applied ? "applied" : "plan"}: ${planSummary(r.counts)}` +
    (r.unitLines.length ? `, ${r.unitLines.length} units created` : ""),
    `plan digest: ${r.digest}`,
  ].join("\n") + "\n";
}
