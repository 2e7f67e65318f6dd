/**
 * The agent directory (migration 0020): agents placed in org units without user accounts,
 * imported from a CSV or the LDAP directory or placed by hand; and the agents calls name
 * that the directory does not know.
 */
import { sql } from "kysely";
import type { Db } from "../db.ts";
import type { AgentChange, AgentSource, DirectoryAgent } from "../../agents/agent_diff.ts";

/** A directory row for lists and pages. */
export interface AgentRow extends DirectoryAgent {
  updatedAt: string;
  removedAt: string | null;
}

function toRow(r: {
  agent_id: string;
  name: string | null;
  extension: string | null;
  dn: string | null;
  org_unit_id: number | null;
  source: AgentSource;
  removed_at: string | null;
  updated_at: string;
}): AgentRow {
  return {
    agentId: r.agent_id,
    name: r.name,
    extension: r.extension,
    dn: r.dn,
    orgUnitId: r.org_unit_id,
    source: r.source,
    removed: r.removed_at !== null,
    removedAt: r.removed_at,
    updatedAt: r.updated_at,
  };
}

/** Every directory row (active and removed), for an import's diff. */
export async function loadDirectory(db: Db): Promise<AgentRow[]> {
  return (await db.selectFrom("agents").selectAll().orderBy("agent_id").execute()).map(toRow);
}

/** One agent, or undefined. */
export async function findAgent(db: Db, agentId: string): Promise<AgentRow | undefined> {
  const r = await db.selectFrom("agents").selectAll().where("agent_id", "=", agentId)
    .executeTakeFirst();
  return r ? toRow(r) : undefined;
}

/** Applies an import's changes as `source` at `at` (ISO); run it inside the transaction. */
export async function applyAgentChanges(
  db: Db,
  changes: readonly AgentChange[],
  source: AgentSource,
  at: string,
): Promise<void> {
  for (const c of changes) {
    if (c.kind === "remove") {
      await db.updateTable("agents").set({ removed_at: at, updated_at: at })
        .where("agent_id", "=", c.agent.agentId).execute();
      continue;
    }
    const a = c.kind === "add" ? c.agent : c.after;
    const row = {
      name: a.name,
      extension: a.extension,
      dn: a.dn,
      org_unit_id: a.orgUnitId,
      source,
      removed_at: null,
      updated_at: at,
    };
    await db.insertInto("agents").values({ agent_id: a.agentId, ...row })
      .onConflict((oc) => oc.column("agent_id").doUpdateSet(row)).execute();
  }
}

/** Moves an agent to a unit (or none) at `at`; returns the row before, or undefined. */
export async function moveAgent(
  db: Db,
  agentId: string,
  orgUnitId: number | null,
  at: string,
): Promise<AgentRow | undefined> {
  const before = await findAgent(db, agentId);
  if (!before) return undefined;
  await db.updateTable("agents").set({ org_unit_id: orgUnitId, updated_at: at })
    .where("agent_id", "=", agentId).execute();
  return before;
}

/** Filters of the agent list. */
export interface AgentFilter {
  /** Only agents in this unit's subtree (its materialized path, `/1/4/`). */
  unitPath?: string;
  /** Only agents whose id or name contains this (case-insensitive). */
  text?: string;
  includeRemoved?: boolean;
  offset: number;
  limit: number;
}

/** A page of agents ordered by name then id, and the total matching. */
export async function listAgents(
  db: Db,
  f: AgentFilter,
): Promise<{ agents: AgentRow[]; total: number }> {
  let q = db.selectFrom("agents").leftJoin("org_units", "org_units.id", "agents.org_unit_id");
  if (f.unitPath !== undefined) {
    q = q.where(sql<boolean>`substr(org_units.path, 1, ${f.unitPath.length}) = ${f.unitPath}`);
  }
  if (f.text) {
    const like = `%${f.text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`agents.agent_id LIKE ${like} ESCAPE '\\'`,
        sql<boolean>`agents.name LIKE ${like} ESCAPE '\\'`,
      ])
    );
  }
  if (!f.includeRemoved) q = q.where("agents.removed_at", "is", null);
  const { n } = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q.selectAll("agents").orderBy("agents.name").orderBy("agents.agent_id")
    .offset(f.offset).limit(f.limit).execute();
  return { agents: rows.map(toRow), total: Number(n) };
}

/** An agent id that calls or recordings name and the directory does not have. */
export interface UnknownAgent {
  agentId: string;
  calls: number;
  recordings: number;
  lastSeen: string | null;
  /** A user account carries this agent id (it sits in the hierarchy through the user). */
  username: string | null;
}

/**
 * Agent ids on calls or recordings that have no directory row, most recently seen first.
 * Computed, not flagged: the distinct ids are walked with one index seek each (a
 * skip-scan over calls_agent and recording_agents_agent), so the cost grows with the
 * number of distinct agents, not of calls, and an import clears the list at once.
 */
export async function unknownAgents(db: Db, limit: number): Promise<UnknownAgent[]> {
  const { rows } = await sql<{ agent_id: string }>`
    WITH RECURSIVE
      c(a) AS (SELECT (SELECT min(agent_id) FROM calls WHERE agent_id > '')
        UNION ALL SELECT (SELECT min(agent_id) FROM calls WHERE agent_id > c.a)
        FROM c WHERE c.a IS NOT NULL),
      r(a) AS (SELECT (SELECT min(agent_id) FROM recording_agents WHERE agent_id > '')
        UNION ALL SELECT (SELECT min(agent_id) FROM recording_agents WHERE agent_id > r.a)
        FROM r WHERE r.a IS NOT NULL)
    SELECT a AS agent_id FROM (SELECT a FROM c UNION SELECT a FROM r)
    WHERE a IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agents WHERE agents.agent_id = a)`
    .execute(db);
  const out: UnknownAgent[] = [];
  for (const { agent_id } of rows) {
    const { rows: [s] } = await sql<
      { calls: number; last_call: string | null; recordings: number; username: string | null }
    >`SELECT
        (SELECT count(*) FROM calls WHERE agent_id = ${agent_id}) AS calls,
        (SELECT max(started_at) FROM calls WHERE agent_id = ${agent_id}) AS last_call,
        (SELECT count(*) FROM recording_agents WHERE agent_id = ${agent_id}) AS recordings,
        (SELECT username FROM users WHERE agent_id = ${agent_id} ORDER BY id LIMIT 1) AS username`
      .execute(db);
    out.push({
      agentId: agent_id,
      calls: Number(s.calls),
      recordings: Number(s.recordings),
      lastSeen: s.last_call,
      username: s.username,
    });
  }
  out.sort((x, y) =>
    (y.lastSeen ?? "").localeCompare(x.lastSeen ?? "") || x.agentId.localeCompare(y.agentId)
  );
  return out.slice(0, limit);
}
