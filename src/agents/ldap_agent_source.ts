/**
 * Reads the agent list from LDAP / Active Directory (`directory.agents.ldap`) with npm
 * `ldapts`: one connection like directory sign-in's (LDAPS or StartTLS verified against
 * `auth.ldap.caFile`; plain LDAP only with `allowPlain`), a bind as the service account,
 * and one paged search (RFC 2696 simple paged results, 500 entries a page, so Active
 * Directory's 1,000-entry MaxPageSize does not cut the list short). Each entry becomes a
 * {@link SourceAgent}; an entry without the id attribute is an error naming its DN.
 */
import { Client } from "ldapts";
import type { LdapConfig } from "../auth/identity_config.ts";
import type { AgentsLdapConfig } from "./agents_config.ts";
import { AgentImportError, type SourceAgent } from "./agent_import.ts";
import { hasControlCharacter } from "./agent_csv.ts";

type ReadFile = (path: string) => Promise<string>;

function first(v: unknown): string | null {
  const one = Array.isArray(v) ? v[0] : v;
  if (one === undefined || one === null) return null;
  const text = (one instanceof Uint8Array ? new TextDecoder().decode(one) : String(one)).trim();
  return text.length > 0 ? text : null;
}

/** Where the agent search connects and what it reads. */
export interface AgentLdapSettings {
  connection: Pick<
    LdapConfig,
    "url" | "startTls" | "caFile" | "allowPlain" | "timeoutSeconds" | "userSearch"
  >;
  agents: AgentsLdapConfig;
}

async function connect(s: AgentLdapSettings, readFile: ReadFile): Promise<Client> {
  const c = s.connection;
  if (c.url.startsWith("ldap://") && !c.startTls && !c.allowPlain) {
    throw new AgentImportError(`auth.ldap.url: ${c.url} is plain LDAP; set startTls or allowPlain`);
  }
  const ca = c.caFile ? [await readFile(c.caFile)] : undefined;
  const ms = c.timeoutSeconds * 1000;
  const ldaps = c.url.startsWith("ldaps://");
  const client = new Client({
    url: c.url,
    timeout: ms,
    connectTimeout: ms,
    ...(ldaps ? { tlsOptions: { ca, minVersion: "TLSv1.2" as const } } : {}),
  });
  const bindDn = s.agents.bindDn ?? c.userSearch?.bindDn;
  const pwFile = s.agents.bindPasswordFile ?? c.userSearch?.bindPasswordFile;
  try {
    if (c.startTls) await client.startTLS({ ca, minVersion: "TLSv1.2" });
    if (bindDn === undefined || pwFile === undefined) {
      throw new AgentImportError("directory.agents.ldap: no service account to bind as");
    }
    await client.bind(bindDn, (await readFile(pwFile)).split("\n")[0]);
    return client;
  } catch (err) {
    await client.unbind().catch(() => {});
    throw err;
  }
}

/** A readable "where" for an entry's attribute. */
function at(dn: string, attr: string): string {
  return `entry "${dn}" attribute ${attr}`;
}

/** Searches the directory for agents; throws on connection, bind or search failure. */
export async function fetchLdapAgents(
  s: AgentLdapSettings,
  readFile: ReadFile = Deno.readTextFile,
): Promise<SourceAgent[]> {
  const a = s.agents;
  const attrs = a.attributes;
  const client = await connect(s, readFile);
  try {
    const wanted = [attrs.id, attrs.name, attrs.extension, attrs.orgUnit]
      .filter((x): x is string => x !== undefined);
    const { searchEntries } = await client.search(a.baseDn, {
      scope: a.scope,
      filter: a.filter,
      attributes: wanted,
      paged: { pageSize: 500 },
    });
    return searchEntries.map((entry) => {
      // Attribute names are case-insensitive (RFC 4512 §2.5); servers answer in their case.
      const byName = new Map(Object.entries(entry).map(([k, v]) => [k.toLowerCase(), v]));
      const e = { dn: entry.dn, get: (attr: string) => byName.get(attr.toLowerCase()) };
      const id = first(e.get(attrs.id));
      if (id === null) throw new AgentImportError(`${at(e.dn, attrs.id)}: missing or empty`);
      if (id.length > 64 || hasControlCharacter(id)) {
        throw new AgentImportError(`${at(e.dn, attrs.id)}: not a usable agent id`);
      }
      const unit = attrs.orgUnit ? first(e.get(attrs.orgUnit)) : null;
      return {
        agentId: id,
        name: first(e.get(attrs.name)),
        extension: attrs.extension ? first(e.get(attrs.extension)) : null,
        dn: e.dn,
        orgUnit: unit === null ? null : `${a.orgUnitPrefix}${unit}`,
        where: at(e.dn, attrs.orgUnit ?? attrs.id),
      };
    });
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** A short description of the search for the audit and logs. */
export function ldapOrigin(s: AgentLdapSettings): string {
  return `${s.connection.url} ${s.agents.baseDn} ${s.agents.filter}`;
}
