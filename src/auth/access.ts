/**
 * Who may do what to which recording — deny by default. One rule, in two forms that the
 * authorization-matrix test holds equal: {@link canAccessRecording} (pure, for one
 * recording or a live call) and {@link recordingAccessWhere} (a Kysely WHERE for search,
 * built in src/store/queries/recording_access.ts from {@link recordingViewer}).
 *
 * A principal may perform `permission` on a recording only when all of these hold:
 * 1. `permission` is a recording permission and the principal's role grants it;
 * 2. partitions (when `scope.partitions`): the principal has `*`, or shares at least one
 *    partition with the recording (GRECORD_PARTITIONS and rule partitions, stored in
 *    recording_partitions). A recording without partitions is seen only through `*`;
 * 3. hierarchy (when `scope.hierarchy`), for ANY agent on the recording (the first, and
 *    each agent a transfer brought in — recording_agents), any of:
 *    - own: the principal's agent id is that agent's id (agents may play their
 *      own recordings if their role grants `recording.play`; the shipped agent role
 *      does not);
 *    - subtree: the recording's agent sits in the principal's org unit or below it. The
 *      agent's unit comes from the agents table, else from a user with that agent id;
 *    - a principal at a root unit also sees recordings whose agent is in no unit, so
 *      calls from agents not yet placed stay visible to someone.
 *    A principal in no unit sees only their own recordings.
 * Callers answer 404, not 403, when this says no.
 */
import type { Db } from "../store/db.ts";
import type { Recording } from "../store/schema/recordings.ts";
import {
  findVisibleRecording,
  type RecordingSearchWhere,
  type RecordingViewer,
  recordingVisibleSearchWhere,
  recordingVisibleWhere,
  type RecordingWhere,
} from "../store/queries/recording_access.ts";
import type { Permission } from "./permissions.ts";
import type { Principal } from "./principal.ts";

/** The permissions that apply to a recording. */
export const RECORDING_PERMISSIONS: readonly Permission[] = [
  "recording.search",
  "recording.play",
  "recording.export",
  "recording.delete",
  "recording.hold",
];

/** Which visibility checks apply beyond the permission (config `auth.scope`). */
export interface AccessScope {
  partitions: boolean;
  hierarchy: boolean;
}

/** The facts about a recording the rule needs. */
export interface RecordingFacts {
  partitions: readonly string[];
  agentId: string | null;
  /** Org path of the recording's agent, null when the agent is in no unit. */
  agentOrgPath: string | null;
  /** Further agents on the recording (brought in by transfers), with their org paths. */
  otherAgents?: readonly { agentId: string; agentOrgPath: string | null }[];
}

/** The access rule for one recording (see the module doc). */
export function canAccessRecording(
  p: Principal,
  r: RecordingFacts,
  permission: Permission,
  scope: AccessScope,
): boolean {
  if (!RECORDING_PERMISSIONS.includes(permission) || !p.permissions.has(permission)) return false;
  if (scope.partitions && !p.partitions.includes("*")) {
    if (!r.partitions.some((x) => p.partitions.includes(x))) return false;
  }
  if (scope.hierarchy) {
    const agents = [
      ...(r.agentId !== null ? [{ agentId: r.agentId, agentOrgPath: r.agentOrgPath }] : []),
      ...(r.otherAgents ?? []),
    ];
    const own = p.agentId !== null && agents.some((a) => a.agentId === p.agentId);
    const subtree = p.orgPath !== null &&
      agents.some((a) => a.agentOrgPath !== null && a.agentOrgPath.startsWith(p.orgPath!));
    const unplaced = p.orgRoot &&
      (agents.length === 0 || agents.some((a) => a.agentOrgPath === null));
    if (!own && !subtree && !unplaced) return false;
  }
  return true;
}

/** The org path of an agent; see src/store/queries/recording_access.ts. */
export { agentOrgPath } from "../store/queries/recording_access.ts";

/**
 * What the store needs to filter recordings for `p` doing `permission`: null when the
 * permission is not granted (nothing is visible), else the partition and hierarchy
 * checks that `scope` switches on.
 */
export function recordingViewer(
  p: Principal,
  permission: Permission,
  scope: AccessScope,
): RecordingViewer | null {
  if (!RECORDING_PERMISSIONS.includes(permission) || !p.permissions.has(permission)) return null;
  return {
    partitions: scope.partitions && !p.partitions.includes("*") ? p.partitions : null,
    hierarchy: scope.hierarchy
      ? { agentId: p.agentId, orgPath: p.orgPath, orgRoot: p.orgRoot }
      : null,
  };
}

/**
 * The same rule as {@link canAccessRecording} as a WHERE over `recordings`, for a store
 * query's `.where(...)`.
 */
export function recordingAccessWhere(
  p: Principal,
  permission: Permission,
  scope: AccessScope,
): RecordingWhere {
  return recordingVisibleWhere(recordingViewer(p, permission, scope));
}

/**
 * The same rule as {@link recordingAccessWhere}, resolved for search at scale (the org
 * subtree becomes an agent-id list once). Results are identical (tested).
 */
export async function recordingSearchWhere(
  db: Db,
  p: Principal,
  permission: Permission,
  scope: AccessScope,
): Promise<RecordingSearchWhere> {
  return await recordingVisibleSearchWhere(db, recordingViewer(p, permission, scope));
}

/**
 * Loads a recording only if `p` may perform `permission` on it; undefined otherwise —
 * whether it does not exist or is not visible (answer 404 either way).
 */
export async function findAccessibleRecording(
  db: Db,
  p: Principal,
  id: string,
  permission: Permission,
  scope: AccessScope,
): Promise<Recording | undefined> {
  if (id.length === 0 || id.length > 200) return undefined;
  return await findVisibleRecording(db, id, recordingViewer(p, permission, scope));
}
