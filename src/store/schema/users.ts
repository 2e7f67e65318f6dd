import type { Generated, Selectable } from "kysely";

/** A web/CLI user. Agents carry `agent_id` to match recordings' agent metadata. */
export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string | null;
  password_hash: string;
  role: string;
  org_unit_id: number | null;
  agent_id: string | null;
  disabled: number;
  failed_logins: number;
  locked_until: string | null;
  must_change_password: number;
  created_at: string;
  updated_at: string;
  /** `local` (password here) or `ldap` (the directory checks it). */
  source: Generated<string>;
  directory_dn: string | null;
  directory_checked_at: string | null;
  /** 1 once the directory no longer grants access (until a granted sign-in). */
  directory_denied: Generated<number>;
}
export type User = Selectable<UserTable>;

/** A user's TOTP secret; `confirmed_at` is null until enrolment is confirmed by a code. */
export interface UserMfaTable {
  user_id: number;
  secret: string;
  created_at: string;
  confirmed_at: string | null;
  /** The last accepted TOTP time step (a code is accepted once). */
  last_step: number;
}
export type UserMfa = Selectable<UserMfaTable>;

/** A one-time recovery code: only its SHA-256 is stored. */
export interface MfaRecoveryCodeTable {
  user_id: number;
  code_hash: string;
  used_at: string | null;
}

/** A user's partitions; `*` grants all. */
export interface UserPartitionTable {
  user_id: number;
  partition: string;
}

/** A role; shipped roles are editable but not deletable. */
export interface RoleTable {
  name: string;
  description: string;
  built_in: number;
}

/** Role → permission grants. */
export interface RolePermissionTable {
  role: string;
  permission: string;
}

/** Org hierarchy node; `path` is the materialized `/1/4/9/` path for subtree checks. */
export interface OrgUnitTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  path: string;
}

/**
 * The agent directory: agent ids seen in call metadata, placed in org units (agents need
 * not be users). `source` says which import owns the row (migration 0020); `removed_at`
 * is set when that source stopped listing the agent (the row and its unit stay).
 */
export interface AgentTable {
  agent_id: string;
  name: string | null;
  extension: Generated<string | null>;
  dn: Generated<string | null>;
  org_unit_id: number | null;
  source: Generated<"csv" | "ldap" | "manual">;
  removed_at: Generated<string | null>;
  updated_at: Generated<string>;
}

/** Server-side web session; the cookie holds the token, the table its SHA-256. */
export interface SessionTable {
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
}
export type Session = Selectable<SessionTable>;

/** API token for routing strategies and agent desktops; only its hash is stored. */
export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  scopes: string;
  user_id: number | null;
  agent_id: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** After this ISO time the token no longer authenticates; null: made before 0022. */
  expires_at: Generated<string | null>;
}
export type ApiToken = Selectable<ApiTokenTable>;
