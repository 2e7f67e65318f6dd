/**
 * Building LDAP filters and DNs from untrusted values (the sign-in name, a user's DN).
 *
 * RFC 4515 §3 (string filters): inside an assertion value the octets `*` `(` `)` `\` and
 * NUL are written as `\` plus two hex digits:
 *
 *     valueencoding  = 0*(normal / escaped)
 *     normal         = UTF1SUBSET / UTFMB     ; anything but NUL ( ) * \
 *     escaped        = ESC HEX HEX
 *
 * RFC 4514 §2.4 (string DNs): in an attribute value `"` `+` `,` `;` `<` `>` `\` are
 * escaped with `\`, as are a leading space or `#` and a trailing space; NUL as `\00`.
 */

/** LDAP_MATCHING_RULE_IN_CHAIN (Active Directory): transitive membership in one search. */
export const IN_CHAIN_RULE = "1.2.840.113556.1.4.1941";
/** LDAP_CAP_ACTIVE_DIRECTORY_OID in the root DSE's supportedCapabilities. */
export const AD_CAPABILITY = "1.2.840.113556.1.4.800";

const enc = new TextEncoder();

/** Escapes a value for a filter assertion (RFC 4515 §3). */
export function escapeFilterValue(value: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === "*" || ch === "(" || ch === ")" || ch === "\\" || ch === "\0") {
      out += "\\" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    } else out += ch;
  }
  return out;
}

/**
 * Reverses {@link escapeFilterValue} (any `\XX` UTF-8 octet escapes). Throws SyntaxError
 * for a `\` not followed by two hex digits or for a bare special character.
 */
export function unescapeFilterValue(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (ch === "\\") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new SyntaxError(`Cannot parse LDAP filter value: bad escape at ${i}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (ch === "*" || ch === "(" || ch === ")" || ch === "\0") {
      throw new SyntaxError(`Cannot parse LDAP filter value: unescaped "${ch}" at ${i}`);
    } else {
      const cp = text.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      bytes.push(...enc.encode(s));
      i += s.length;
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new SyntaxError("Cannot parse LDAP filter value: escapes are not UTF-8");
  }
}

/** Escapes a value for one RDN of a DN string (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  let out = value.replace(/["+,;<>\\]/g, (c) => "\\" + c).replace(/\0/g, "\\00");
  if (out.startsWith(" ") || out.startsWith("#")) out = "\\" + out;
  if (out.endsWith(" ") && !out.endsWith("\\ ")) out = out.slice(0, -1) + "\\ ";
  return out;
}

/** Fills `{name}` placeholders with values already escaped for their context. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** How group membership is followed (`auth.ldap.groupSearch.nested`, resolved). */
export type NestingMode = "in-chain" | "walk" | "none";

/**
 * The group search filter for members `dns`: `(member=dn)` (OR'ed for several), or with
 * the in-chain rule `(member:1.2.840.113556.1.4.1941:=dn)` for nested AD groups.
 */
export function groupFilter(mode: NestingMode, attribute: string, dns: readonly string[]): string {
  if (dns.length === 0) throw new RangeError("Cannot build group filter: no member DN");
  const rule = mode === "in-chain" ? `:${IN_CHAIN_RULE}:` : "";
  const parts = dns.map((dn) => `(${attribute}${rule}=${escapeFilterValue(dn)})`);
  return parts.length === 1 ? parts[0] : `(|${parts.join("")})`;
}
