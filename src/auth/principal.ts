/**
 * Builds the {@link Principal} for a user or an API token from the database: role
 * permissions, partitions, org path and agent id. Unknown permissions are dropped, so a
 * typo in a role grants nothing.
 */
import type { Db } from "../store/db.ts";
import type { ApiToken, User } from "../store/schema/users.ts";
import { type Permission, PERMISSIONS } from "./permissions.ts";
import { parseScopes } from "../store/queries/tokens.ts";
import { orgPathOf } from "../store/queries/org_units.ts";
import { listRolePermissions } from "../store/queries/roles.ts";
import { findUserById, listUserPartitions } from "../store/queries/users.ts";

/** Who is making a request: a signed-in user or an API token. */
export interface Principal {
  kind: "user" | "token";
  /** users.id, or api_tokens.id for tokens. */
  id: number;
  name: string;
  /** users.id behind the request (the token's owner for tokens), null when none. */
  userId: number | null;
  role: string | null;
  permissions: ReadonlySet<Permission>;
  /** Partitions the principal may see; `*` means all. */
  partitions: readonly string[];
  /** Materialized org path (`/1/4/`) of the user's unit, null when unplaced. */
  orgPath: string | null;
  /** True when the unit is a root of the tree: sees unplaced agents too. */
  orgRoot: boolean;
  /** The agent id this principal is (agents), for own-recording and own-call checks. */
  agentId: string | null;
  /** Token scopes (tokens only). */
  scopes?: readonly string[];
}

const KNOWN = new Set<string>(PERMISSIONS);

/** The permissions a role grants (only known ones). */
export async function rolePermissions(db: Db, role: string): Promise<Set<Permission>> {
  const granted = await listRolePermissions(db, role);
  return new Set(granted.filter((p): p is Permission => KNOWN.has(p)));
}

/** The principal of a signed-in user. */
export async function principalForUser(db: Db, user: User): Promise<Principal> {
  const orgPath = await orgPathOf(db, user.org_unit_id);
  return {
    kind: "user",
    id: user.id,
    name: user.username,
    userId: user.id,
    role: user.role,
    permissions: await rolePermissions(db, user.role),
    partitions: await listUserPartitions(db, user.id),
    orgPath,
    orgRoot: orgPath !== null && /^\/\d+\/$/.test(orgPath),
    agentId: user.agent_id,
  };
}

/**
 * The principal of an API token. With an owner, it gets the owner's scope of data and
 * the intersection of the owner's permissions with the token's scopes. Without one (agent
 * desktop tokens), only `pause.own` for the token's agent id can be granted.
 */
export async function principalForToken(db: Db, token: ApiToken): Promise<Principal | null> {
  const scopes = parseScopes(token.scopes);
  if (token.user_id !== null) {
    const owner = await findUserById(db, token.user_id);
    if (!owner || owner.disabled === 1 || owner.directory_denied === 1) return null;
    const base = await principalForUser(db, owner);
    const permissions = new Set([...base.permissions].filter((p) => scopes.includes(p)));
    return {
      ...base,
      kind: "token",
      id: token.id,
      name: `token:${token.name}`,
      permissions,
      agentId: token.agent_id ?? base.agentId,
      scopes,
    };
  }
  const permissions = new Set<Permission>(
    token.agent_id !== null && scopes.includes("pause.own") ? ["pause.own"] : [],
  );
  return {
    kind: "token",
    id: token.id,
    name: `token:${token.name}`,
    userId: null,
    role: null,
    permissions,
    partitions: [],
    orgPath: null,
    orgRoot: false,
    agentId: token.agent_id,
    scopes,
  };
}
