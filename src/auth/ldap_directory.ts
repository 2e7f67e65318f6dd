/**
 * The LDAP adapter of {@link Directory} over npm `ldapts`: one connection per operation,
 * over LDAPS or StartTLS verified against `caFile` (plain LDAP only with `allowPlain`),
 * a bind as the user (RFC 4513 §5.1.3 simple bind; an empty password is refused here, as
 * it would be an unauthenticated bind, §5.1.2), then the user's groups by
 * `groupSearch.nested`. Everything that is not a credentials answer becomes
 * {@link DirectoryUnavailable}.
 */
import { Client, InvalidCredentialsError, NoSuchObjectError } from "ldapts";
import type { LdapConfig } from "./identity_config.ts";
import { type Directory, type DirectoryEntry, DirectoryUnavailable } from "./directory.ts";
import {
  AD_CAPABILITY,
  escapeDnValue,
  escapeFilterValue,
  fillTemplate,
  groupFilter,
  type NestingMode,
} from "./ldap_filter.ts";

type ReadFile = (path: string) => Promise<string>;

function first(v: unknown): string | null {
  if (Array.isArray(v)) return v.length > 0 ? String(v[0]) : null;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return v === undefined || v === null ? null : String(v);
}

/** The LDAP / Active Directory implementation of {@link Directory}. */
export class LdapDirectory implements Directory {
  #cfg: LdapConfig;
  #readFile: ReadFile;
  #nesting: NestingMode | null = null;

  constructor(cfg: LdapConfig, readFile: ReadFile = Deno.readTextFile) {
    if (cfg.url.startsWith("ldap://") && !cfg.startTls && !cfg.allowPlain) {
      throw new RangeError(`auth.ldap.url: ${cfg.url} is plain LDAP; set startTls or allowPlain`);
    }
    this.#cfg = cfg;
    this.#readFile = readFile;
  }

  get url(): string {
    return this.#cfg.url;
  }

  async #connect(): Promise<Client> {
    const ca = this.#cfg.caFile ? [await this.#readFile(this.#cfg.caFile)] : undefined;
    const ms = this.#cfg.timeoutSeconds * 1000;
    // ldapts opens TLS at connect whenever tlsOptions are given: only for ldaps://.
    const ldaps = this.#cfg.url.startsWith("ldaps://");
    const client = new Client({
      url: this.#cfg.url,
      timeout: ms,
      connectTimeout: ms,
      ...(ldaps ? { tlsOptions: { ca, minVersion: "TLSv1.2" as const } } : {}),
    });
    if (this.#cfg.startTls) await client.startTLS({ ca, minVersion: "TLSv1.2" });
    return client;
  }

  /** Runs `fn` on a fresh connection; transport and protocol failures → unavailable. */
  async #with<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    let client: Client | null = null;
    try {
      client = await this.#connect();
      return await fn(client);
    } catch (err) {
      if (err instanceof InvalidCredentialsError || err instanceof DirectoryUnavailable) throw err;
      throw new DirectoryUnavailable(
        `directory ${this.#cfg.url} unavailable: ${(err as Error).message || String(err)}`,
      );
    } finally {
      await client?.unbind().catch(() => {});
    }
  }

  async #serviceBind(c: Client): Promise<void> {
    const s = this.#cfg.userSearch;
    if (!s) {
      throw new DirectoryUnavailable(
        "auth.ldap has no userSearch service account to re-check sessions with",
      );
    }
    const pw = (await this.#readFile(s.bindPasswordFile)).split("\n")[0];
    try {
      await c.bind(s.bindDn, pw);
    } catch (err) {
      if (!(err instanceof InvalidCredentialsError)) throw err;
      throw new DirectoryUnavailable(`directory refused the service account ${s.bindDn}`);
    }
  }

  /** The user's DN: from the template, or searched with the service account. */
  async #findDn(c: Client, username: string): Promise<string | null> {
    const t = this.#cfg.bindDnTemplate;
    if (t !== undefined) return fillTemplate(t, { username: escapeDnValue(username) });
    const s = this.#cfg.userSearch!;
    await this.#serviceBind(c);
    const filter = fillTemplate(s.filter, { username: escapeFilterValue(username) });
    const { searchEntries } = await c.search(s.baseDn, {
      scope: "sub",
      filter,
      attributes: ["1.1"],
    });
    return searchEntries.length === 1 ? searchEntries[0].dn : null;
  }

  async #entry(c: Client, dn: string): Promise<DirectoryEntry | null> {
    const attr = this.#cfg.displayNameAttribute;
    try {
      const { searchEntries } = await c.search(dn, { scope: "base", attributes: [attr] });
      if (searchEntries.length === 0) return null;
      return { dn, displayName: first(searchEntries[0][attr]), groups: await this.#groups(c, dn) };
    } catch (err) {
      if (err instanceof NoSuchObjectError) return null;
      throw err;
    }
  }

  async #mode(c: Client): Promise<NestingMode> {
    const want = this.#cfg.groupSearch.nested;
    if (want !== "auto") return want;
    if (this.#nesting) return this.#nesting;
    const { searchEntries } = await c.search("", {
      scope: "base",
      filter: "(objectClass=*)",
      attributes: ["supportedCapabilities"],
    });
    const caps = searchEntries[0]?.supportedCapabilities;
    const list = Array.isArray(caps) ? caps.map(String) : caps ? [String(caps)] : [];
    return this.#nesting = list.includes(AD_CAPABILITY) ? "in-chain" : "walk";
  }

  async #groups(c: Client, userDn: string): Promise<string[]> {
    const g = this.#cfg.groupSearch;
    const mode = await this.#mode(c);
    const seen = new Map<string, string>();
    let frontier = [userDn];
    const rounds = mode === "walk" ? g.maxDepth : 1;
    for (let depth = 0; depth < rounds && frontier.length > 0; depth++) {
      const filter = groupFilter(mode, g.memberAttribute, frontier);
      const { searchEntries } = await c.search(g.baseDn, {
        scope: "sub",
        filter,
        attributes: ["1.1"],
      });
      frontier = [];
      for (const e of searchEntries) {
        const key = e.dn.toLowerCase();
        if (seen.has(key)) continue;
        seen.set(key, e.dn);
        frontier.push(e.dn);
      }
    }
    return [...seen.values()];
  }

  async authenticate(username: string, password: string): Promise<DirectoryEntry | null> {
    if (password.length === 0 || username.length === 0) return null;
    try {
      return await this.#with(async (c) => {
        const dn = await this.#findDn(c, username);
        if (dn === null) return null;
        await c.bind(dn, password);
        return await this.#entry(c, dn);
      });
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return null;
      throw err;
    }
  }

  async lookup(username: string): Promise<DirectoryEntry | null> {
    return await this.#with(async (c) => {
      const dn = await this.#findDn(c, username);
      if (dn === null) return null;
      if (this.#cfg.bindDnTemplate !== undefined) await this.#serviceBind(c);
      return await this.#entry(c, dn);
    });
  }
}
