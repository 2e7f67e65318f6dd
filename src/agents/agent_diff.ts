/**
 * The change set of an agent import: what must change in the directory so that the agents
 * of one source are exactly the incoming list. Pure. The dry run prints this list, the
 * real run applies this list (src/store/queries/agents.ts), so both say the same thing.
 *
 * - add: an id the directory does not have, or one removed earlier (it comes back);
 * - update: a listed agent whose unit (a move), name (a rename), extension, DN or source
 *   differs — an agent another source owned is taken over by this one;
 * - remove: an agent of this source, still active, that the list no longer has.
 */

/** Where a directory row came from. */
export type AgentSource = "csv" | "ldap" | "manual";

/** An agent as an import describes it, its unit resolved to an id. */
export interface IncomingAgent {
  agentId: string;
  name: string | null;
  extension: string | null;
  dn: string | null;
  orgUnitId: number | null;
}

/** An agent row of the directory. */
export interface DirectoryAgent extends IncomingAgent {
  source: AgentSource;
  removed: boolean;
}

/** One change of a plan. */
export type AgentChange =
  | { kind: "add"; agent: IncomingAgent; returning: boolean }
  | { kind: "update"; before: DirectoryAgent; after: IncomingAgent }
  | { kind: "remove"; agent: DirectoryAgent };

/** How many of each line a plan has. */
export interface PlanCounts {
  adds: number;
  moves: number;
  renames: number;
  updates: number;
  removals: number;
  unchanged: number;
}

const FIELDS = ["name", "extension", "dn", "orgUnitId"] as const;

/** The changes that make `source`'s active agents in `current` equal `incoming`. */
export function diffAgents(
  current: readonly DirectoryAgent[],
  incoming: readonly IncomingAgent[],
  source: AgentSource,
): AgentChange[] {
  const byId = new Map(current.map((a) => [a.agentId, a]));
  const listed = new Set<string>();
  const changes: AgentChange[] = [];
  for (const agent of incoming) {
    if (listed.has(agent.agentId)) {
      throw new RangeError(`Cannot diff agents: "${agent.agentId}" is listed twice`);
    }
    listed.add(agent.agentId);
    const before = byId.get(agent.agentId);
    if (!before || before.removed) {
      changes.push({ kind: "add", agent, returning: before !== undefined });
    } else if (before.source !== source || FIELDS.some((f) => before[f] !== agent[f])) {
      changes.push({ kind: "update", before, after: agent });
    }
  }
  for (const a of current) {
    if (a.source === source && !a.removed && !listed.has(a.agentId)) {
      changes.push({ kind: "remove", agent: a });
    }
  }
  return changes.sort((x, y) => idOf(x) < idOf(y) ? -1 : idOf(x) > idOf(y) ? 1 : 0);
}

function idOf(c: AgentChange): string {
  return c.kind === "update" ? c.after.agentId : c.agent.agentId;
}

/** Counts a plan's lines; `listed` is the number of incoming agents. */
export function countPlan(
  changes: readonly AgentChange[],
  listed: number,
  source: AgentSource,
): PlanCounts {
  const n: PlanCounts = { adds: 0, moves: 0, renames: 0, updates: 0, removals: 0, unchanged: 0 };
  for (const c of changes) {
    if (c.kind === "add") n.adds++;
    else if (c.kind === "remove") n.removals++;
    else {
      if (c.before.orgUnitId !== c.after.orgUnitId) n.moves++;
      if (c.before.name !== c.after.name) n.renames++;
      if (otherChanges(c.before, c.after, source).length > 0) n.updates++;
    }
  }
  n.unchanged = listed - n.adds - changes.filter((c) => c.kind === "update").length;
  return n;
}

function otherChanges(before: DirectoryAgent, after: IncomingAgent, source: AgentSource): string[] {
  const out: string[] = [];
  if (before.extension !== after.extension) {
    out.push(`extension ${show(before.extension)} -> ${show(after.extension)}`);
  }
  if (before.dn !== after.dn) out.push(`dn ${show(before.dn)} -> ${show(after.dn)}`);
  if (before.source !== source) out.push(`source ${before.source} -> ${source}`);
  return out;
}

function show(v: string | null): string {
  return v === null ? "(none)" : JSON.stringify(v);
}

/**
 * The plan as lines for people (`unit` names a unit id as its path of names), one line
 * per move, rename, other update, add and removal, ordered by agent id.
 */
export function planLines(
  changes: readonly AgentChange[],
  source: AgentSource,
  unit: (id: number | null) => string,
): string[] {
  const lines: string[] = [];
  const line = (kind: string, id: string, text: string) =>
    lines.push(`${kind.padEnd(7)} ${JSON.stringify(id)}  ${text}`);
  for (const c of changes) {
    if (c.kind === "add") {
      const a = c.agent;
      const more = [
        ...(a.extension !== null ? [`, extension ${show(a.extension)}`] : []),
        ...(a.dn !== null ? [`, dn ${show(a.dn)}`] : []),
      ].join("");
      line(
        "add",
        a.agentId,
        `${show(a.name)} in ${unit(a.orgUnitId)}${more}${c.returning ? " (returns)" : ""}`,
      );
    } else if (c.kind === "remove") {
      line("remove", c.agent.agentId, `${show(c.agent.name)} was in ${unit(c.agent.orgUnitId)}`);
    } else {
      const { before, after } = c;
      if (before.orgUnitId !== after.orgUnitId) {
        line("move", after.agentId, `${unit(before.orgUnitId)} -> ${unit(after.orgUnitId)}`);
      }
      if (before.name !== after.name) {
        line("rename", after.agentId, `${show(before.name)} -> ${show(after.name)}`);
      }
      for (const text of otherChanges(before, after, source)) line("update", after.agentId, text);
    }
  }
  return lines;
}

/** The one-line summary of a plan's counts. */
export function planSummary(n: PlanCounts): string {
  return `${n.adds} to add, ${n.moves} to move, ${n.renames} to rename, ${n.updates} to update, ` +
    `${n.removals} to remove, ${n.unchanged} unchanged`;
}
