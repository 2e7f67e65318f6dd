/**
 * The `directory.agents` section of selrec.yaml: where the agent directory is read from on
 * a schedule. The LDAP search connects like directory sign-in (`auth.ldap`: url, CA,
 * StartTLS, timeout) and binds as `auth.ldap.userSearch`'s service account unless its own
 * `bindDn` and `bindPasswordFile` are given.
 */
import { z } from "zod";
import { isDuration } from "../duration.ts";
import type { LdapConfig } from "../auth/identity_config.ts";

const attribute = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, "expected an attribute name");

/** `directory.agents.ldap`. */
const AgentsLdapSchema = z.strictObject({
  baseDn: z.string().min(1),
  /** RFC 4515 filter selecting agent entries. */
  filter: z.string().regex(/^\(.*\)$/, "expected an LDAP filter in parentheses")
    .default("(objectClass=inetOrgPerson)"),
  scope: z.enum(["sub", "one"]).default("sub"),
  attributes: z.strictObject({
    /** The agent id as calls carry it (e.g. `employeeID`, `telephoneNumber`). */
    id: attribute,
    name: attribute.default("displayName"),
    extension: attribute.optional(),
    /** A unit id, or a path of unit names from the root (`Org/Sales/Team A`). */
    orgUnit: attribute.optional(),
  }),
  /** Put before the orgUnit value, e.g. `Organization/` when it holds a department name. */
  orgUnitPrefix: z.string().default(""),
  interval: z.string().refine(isDuration, { message: "expected a duration such as 15m or 1h" })
    .default("1h"),
  /** Create units the directory names that do not exist (else the sync fails naming it). */
  createUnits: z.boolean().default(false),
  /** Refuse a sync that would remove more than this share of the LDAP agents. */
  maxRemovePercent: z.number().min(0).max(100).default(25),
  bindDn: z.string().min(1).optional(),
  bindPasswordFile: z.string().min(1).optional(),
}).refine((l) => (l.bindDn === undefined) === (l.bindPasswordFile === undefined), {
  message: "set both bindDn and bindPasswordFile, or neither (auth.ldap.userSearch's are used)",
  path: ["bindDn"],
});

/** The `directory` schema. */
export const DirectoryConfigSchema = z.strictObject({
  agents: z.strictObject({ ldap: AgentsLdapSchema.optional() }).prefault({}),
}).prefault({});

/** Typed `directory.agents.ldap`. */
export type AgentsLdapConfig = z.infer<typeof AgentsLdapSchema>;
/** Typed `directory`. */
export type DirectoryConfig = z.infer<typeof DirectoryConfigSchema>;

/** What `directory.agents.ldap` lacks given `auth.ldap`, or null when it can run. */
export function agentsLdapProblem(
  directory: DirectoryConfig,
  ldap: LdapConfig | undefined,
): string | null {
  const a = directory.agents.ldap;
  if (!a) return null;
  if (!ldap) {
    return "directory.agents.ldap: needs auth.ldap (the directory's url, CA and TLS settings)";
  }
  if (a.bindDn === undefined && ldap.userSearch === undefined) {
    return "directory.agents.ldap.bindDn: auth.ldap has no userSearch service account; " +
      "set bindDn and bindPasswordFile";
  }
  return null;
}
