/**
 * The `auth.ldap` and `auth.mfa` sections of selrec.yaml: directory sign-in (LDAP or
 * Active Directory) and TOTP second factors. Validated by zod like the rest of the config,
 * so a bad field is reported with its path (`auth.ldap.url: …`).
 */
import { z } from "zod";

/** An LDAP DN template: must carry the placeholder it is filled with. */
function template(placeholder: string) {
  return z.string().min(1).refine((t) => t.includes(placeholder), {
    message: `expected a template containing ${placeholder}`,
  });
}

/** Group → grant: members of `group` (a DN) get `role`, `partitions` and `orgUnit`. */
const mapping = z.strictObject({
  /** The group's DN (compared case-insensitively, spaces around `,` and `=` ignored). */
  group: z.string().min(3),
  /** A role name (src/auth/permissions.ts or one made in the admin UI). */
  role: z.string().min(1).optional(),
  partitions: z.array(z.string().min(1)).default([]),
  /** The org unit as a path of unit names from the root, e.g. `Org/Sales/Team A`. */
  orgUnit: z.string().min(1).optional(),
});

/** `auth.ldap.userSearch`: find the user's DN with a service account, then bind as it. */
const userSearch = z.strictObject({
  baseDn: z.string().min(1),
  /** RFC 4515 filter; `{username}` is replaced by the escaped sign-in name. */
  filter: template("{username}").default("(sAMAccountName={username})"),
  bindDn: z.string().min(1),
  /** File holding the service account's password (first line). */
  bindPasswordFile: z.string().min(1),
});

/** `auth.ldap.groupSearch`: where the user's groups are read and how nesting is followed. */
const groupSearch = z.strictObject({
  baseDn: z.string().min(1),
  /**
   * `in-chain`: one search with AD's LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941)
   * returns direct and nested groups; `walk`: direct groups, then groups whose member is
   * one of those, up to `maxDepth`; `auto`: in-chain when the root DSE says Active
   * Directory, else walk; `none`: direct groups only.
   */
  nested: z.enum(["auto", "in-chain", "walk", "none"]).default("auto"),
  /** Attribute of a group naming its members by DN. */
  memberAttribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).default("member"),
  maxDepth: z.number().int().min(1).max(32).default(8),
});

/** The `auth.ldap` schema (absent = no directory sign-in). */
export const LdapConfigSchema = z.strictObject({
  /** `ldaps://host:636` or `ldap://host:389` (the latter with `startTls`). */
  url: z.string().regex(/^ldaps?:\/\/[^\s/]+\/?$/, "expected ldaps://host[:port] or ldap://…"),
  startTls: z.boolean().default(false),
  /** PEM CA bundle the directory's certificate must chain to (else the system CAs). */
  caFile: z.string().min(1).optional(),
  /** Allow `ldap://` without StartTLS: passwords cross the network in clear. */
  allowPlain: z.boolean().default(false),
  timeoutSeconds: z.number().min(0.5).max(60).default(5),
  /** The user's DN from the sign-in name, e.g. `uid={username},ou=people,dc=ex,dc=com`. */
  bindDnTemplate: template("{username}").optional(),
  userSearch: userSearch.optional(),
  groupSearch,
  mappings: z.array(mapping).min(1),
  /** A live session of a directory user is re-checked against the directory this often. */
  recheckMinutes: z.number().min(0.05).max(1440).default(15),
  /** Attribute holding the display name. */
  displayNameAttribute: z.string().default("displayName"),
}).refine((l) => (l.bindDnTemplate === undefined) !== (l.userSearch === undefined), {
  message: "set exactly one of bindDnTemplate and userSearch",
  path: ["bindDnTemplate"],
}).refine((l) => !l.url.startsWith("ldap://") || l.startTls || l.allowPlain, {
  message: "ldap:// sends passwords in clear: use ldaps://, startTls: true, or allowPlain: true",
  path: ["url"],
}).refine((l) => !(l.startTls && l.url.startsWith("ldaps://")), {
  message: "startTls is for ldap:// URLs; ldaps:// is TLS already",
  path: ["startTls"],
});

/** The `auth.mfa` schema. */
export const MfaConfigSchema = z.strictObject({
  /** Roles whose users must enrol a TOTP second factor before using anything else. */
  requiredRoles: z.array(z.string().min(1)).default(["admin", "compliance"]),
  /** The issuer shown in authenticator apps. */
  issuer: z.string().min(1).max(60).default("selrec"),
}).prefault({});

/** Typed `auth.ldap`. */
export type LdapConfig = z.infer<typeof LdapConfigSchema>;
/** Typed `auth.mfa`. */
export type MfaConfig = z.infer<typeof MfaConfigSchema>;
