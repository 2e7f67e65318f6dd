/**
 * Report scoping: a report counts only what its reader may see, by the same access rule
 * as search (src/auth/access.ts — the permission, partition overlap and org subtree).
 * Recording reports filter on the search WHERE itself; the selective-ratio report, whose
 * calls mostly have no recording, applies the pure rule to each distinct (agent,
 * partitions) of its decisions — the facts a recording of that call would carry.
 */
import type { Db } from "../store/db.ts";
import type { RecordingWhere } from "../store/queries/recording_access.ts";
import { type DecisionFacts, decisionFactsInRange } from "../store/queries/reports.ts";
import type { Principal } from "../auth/principal.ts";
import type { Permission } from "../auth/permissions.ts";
import {
  type AccessScope,
  agentOrgPath,
  canAccessRecording,
  recordingSearchWhere,
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
 * The (agent, partitions) of the decisions in [from, to) that the reader may see: those a
 * recording of that call would carry pass the access rule. Null without `access` (all).
 */
export async function visibleDecisionFacts(
  db: Db,
  access: ReportAccess | undefined,
  range: { from: string; to: string },
): Promise<DecisionFacts[] | null> {
  if (!access) return null;
  const rows = await decisionFactsInRange(db, range);
  const paths = new Map<string | null, string | null>();
  const visible: DecisionFacts[] = [];
  for (const r of rows) {
    if (!paths.has(r.agent)) paths.set(r.agent, await agentOrgPath(db, r.agent));
    const facts = {
      partitions: r.partitions.split(",").filter(Boolean),
      agentId: r.agent,
      agentOrgPath: paths.get(r.agent) ?? null,
    };
    if (canAccessRecording(access.principal, facts, REPORT_VISIBILITY, access.scope)) {
      visible.push(r);
    }
  }
  return visible;
}
