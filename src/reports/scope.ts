/**
 * Report scoping: a report counts only what its reader may see, by the same access rule
 * as search (src/auth/access.ts — the permission, partition overlap and org subtree).
 * Recording reports filter on the search WHERE itself; the selective-ratio report, whose
 * calls mostly have no recording, applies the rule to its decisions' facts (the call's
 * agent and the decision's partition rows) — those a recording of that call would carry.
 */
import type { Db } from "../store/db.ts";
import type { RecordingWhere } from "../store/queries/recording_access.ts";
import { decisionAgentsInRange, type DecisionScope } from "../store/queries/reports.ts";
import type { Principal } from "../auth/principal.ts";
import type { Permission } from "../auth/permissions.ts";
import {
  type AccessScope,
  agentOrgPath,
  canAccessRecording,
  recordingSearchWhere,
  recordingViewer,
} from "../auth/access.ts";

/**
 * The recording permission the access rule is evaluated for. `report.view` stands in for
 * it, so a role that sees figures but may not list recordings still gets its own scope.
 */
export const REPORT_VISIBILITY: Permission = "recording.search";

/** Who reads a report; absent from {@link ReportParams}, a report counts everything. */
export interface ReportAccess {
  principal: Principal;
  scope: AccessScope;
  /** The search WHERE over `recordings` for {@link REPORT_VISIBILITY}. */
  recordings: RecordingWhere;
}

/**
 * Resolves `p`'s report scope once per request (the org subtree becomes agent lists).
 * Without `report.view` (or the visibility permission itself) nothing is visible.
 */
export async function reportAccess(
  db: Db,
  p: Principal,
  scope: AccessScope,
): Promise<ReportAccess> {
  const reader: Principal = p.permissions.has("report.view")
    ? { ...p, permissions: new Set([...p.permissions, REPORT_VISIBILITY]) }
    : p;
  return {
    principal: reader,
    scope,
    recordings: await recordingSearchWhere(db, reader, REPORT_VISIBILITY, scope),
  };
}

/**
 * The rule decisions in [from, to) the reader may count: those a recording of that call
 * would be visible with. The rule splits into its halves: the org half decided per
 * distinct agent of the range by {@link canAccessRecording} itself, the partition half
 * (the reader's partitions, as for search) matched in SQL against the decision's
 * partition rows. Null without `access` (all).
 */
export async function visibleDecisionScope(
  db: Db,
  access: ReportAccess | undefined,
  range: { from: string; to: string },
): Promise<DecisionScope | null> {
  if (!access) return null;
  const { principal, scope } = access;
  const viewer = recordingViewer(principal, REPORT_VISIBILITY, scope);
  if (viewer === null) return { agents: [], partitions: [] };
  const agents: (string | null)[] = [];
  const orgOnly = { ...scope, partitions: false };
  for (const agent of await decisionAgentsInRange(db, range)) {
    const facts = { partitions: [], agentId: agent, agentOrgPath: await agentOrgPath(db, agent) };
    if (canAccessRecording(principal, facts, REPORT_VISIBILITY, orgOnly)) agents.push(agent);
  }
  return { agents, partitions: viewer.partitions };
}
