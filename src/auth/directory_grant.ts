/**
 * The pure core of directory sign-in: a user's groups → what selrec grants (role,
 * partitions, org unit) through `auth.ldap.mappings`, with the group each part came
 * from, for the audit trail. No I/O.
 *
 * Rules: mappings are matched in config order against the user's groups (DNs compared
 * after {@link normalizeDn}). The role comes from the first matching mapping that names
 * one; partitions are the union of every matching mapping's; the org unit is the first
 * matching mapping's that names one. No matching mapping with a role = no access.
 */

/** One `auth.ldap.mappings` entry. */
export interface GroupMapping {
  group: string;
  role?: string;
  partitions: readonly string[];
  orgUnit?: string;
}

/** What a group contributed to a grant. */
export interface GrantSource {
  group: string;
  role?: string;
  partitions: string[];
  orgUnit?: string;
}

/** A user's grant from the directory. */
export interface DirectoryGrant {
  role: string;
  partitions: string[];
  /** Path of unit names (`Org/Sales`), or null. */
  orgUnit: string | null;
  /** Each matching mapping and what it gave (in config order). */
  sources: GrantSource[];
}

/**
 * A DN in a comparable form: attribute types and values lower-cased, spaces around `,`
 * `=` `+` (RFC 4514 separators) dropped, escaped characters kept as they are.
 */
export function normalizeDn(dn: string): string {
  let out = "";
  let pendingSpace = "";
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (ch === "\\" && i + 1 < dn.length) {
      out += pendingSpace + ch + dn[i + 1].toLowerCase();
      pendingSpace = "";
      i++;
    } else if (ch === " ") {
      pendingSpace += ch;
    } else if (ch === "," || ch === "=" || ch === "+") {
      out += ch;
      pendingSpace = "";
      while (dn[i + 1] === " ") i++;
    } else {
      out += pendingSpace + ch.toLowerCase();
      pendingSpace = "";
    }
  }
  return out;
}

/** The grant for a user in `groups`, or null when no mapping gives a role. */
export function grantFromGroups(
  groups: readonly string[],
  mappings: readonly GroupMapping[],
): DirectoryGrant | null {
  const member = new Set(groups.map(normalizeDn));
  const sources: GrantSource[] = [];
  let role: string | null = null;
  let orgUnit: string | null = null;
  const partitions = new Set<string>();
  for (const m of mappings) {
    if (!member.has(normalizeDn(m.group))) continue;
    const source: GrantSource = { group: m.group, partitions: [...m.partitions] };
    if (m.role !== undefined && role === null) {
      role = m.role;
      source.role = m.role;
    }
    if (m.orgUnit !== undefined && orgUnit === null) {
      orgUnit = m.orgUnit;
      source.orgUnit = m.orgUnit;
    }
    for (const p of m.partitions) partitions.add(p);
    sources.push(source);
  }
  if (role === null) return null;
  return { role, partitions: [...partitions].sort(), orgUnit, sources };
}

/** `Org/Sales/Team A` → `["Org", "Sales", "Team A"]` (empty steps dropped). */
export function orgUnitNames(path: string): string[] {
  return path.split("/").map((s) => s.trim()).filter((s) => s.length > 0);
}
