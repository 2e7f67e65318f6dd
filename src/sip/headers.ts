/**
 * SIP header collection (RFC 3261 §7.3): ordered, case-insensitive lookup, compact
 * forms expanded (§7.3.3), comma-combined values split (§7.3.1).
 */

/** Compact header forms (RFC 3261 §7.3.3 and later RFCs) → full names. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: "Accept-Contact",
  b: "Referred-By",
  c: "Content-Type",
  d: "Request-Disposition",
  e: "Content-Encoding",
  f: "From",
  i: "Call-ID",
  j: "Reject-Contact",
  k: "Supported",
  l: "Content-Length",
  m: "Contact",
  o: "Event",
  r: "Refer-To",
  s: "Subject",
  t: "To",
  u: "Allow-Events",
  v: "Via",
  x: "Session-Expires",
  y: "Identity",
};

/** Headers whose comma-separated form is not a list (RFC 3261 §7.3.1 exceptions). */
const SINGLE_VALUED = new Set([
  "call-id",
  "content-length",
  "content-type",
  "cseq",
  "date",
  "from",
  "to",
  "subject",
  "user-agent",
  "server",
  "organization",
  "retry-after",
  "warning",
  "www-authenticate",
  "authorization",
  "proxy-authenticate",
  "proxy-authorization",
  "content-disposition",
  "timestamp",
  "max-forwards",
  "expires",
  "min-expires",
  "mime-version",
  "session-expires",
]);

/** The full name for a compact form; other names unchanged. */
export function expandHeaderName(name: string): string {
  return name.length === 1 ? COMPACT_FORMS[name.toLowerCase()] ?? name : name;
}

/** Split on commas outside quotes and angle brackets. */
export function splitCommaList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === "<") depth++;
    else if (ch === ">") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== "");
}

/** Ordered SIP headers. Names are stored in full form; lookup ignores case. */
export class SipHeaders implements Iterable<[string, string]> {
  #list: [string, string][] = [];

  constructor(init?: Iterable<[string, string]>) {
    if (init) { for (const [n, v] of init) this.append(n, v); }
  }

  /** Add one header line. */
  append(name: string, value: string): void {
    this.#list.push([expandHeaderName(name), value]);
  }

  /** Replace every line of `name` with one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.append(name, value);
  }

  /** Remove every line of `name`. */
  delete(name: string): void {
    const key = expandHeaderName(name).toLowerCase();
    this.#list = this.#list.filter(([n]) => n.toLowerCase() !== key);
  }

  /** First line's value of `name`, case-insensitive, compact forms allowed. */
  get(name: string): string | undefined {
    const key = expandHeaderName(name).toLowerCase();
    return this.#list.find(([n]) => n.toLowerCase() === key)?.[1];
  }

  /** True when at least one line of `name` exists. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of `name`: all lines, each comma list split (RFC 3261 §7.3.1). */
  getAll(name: string): string[] {
    const key = expandHeaderName(name).toLowerCase();
    const lines = this.#list.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v);
    return SINGLE_VALUED.has(key) ? lines : lines.flatMap(splitCommaList);
  }

  /** Lowercased option tags of a Require/Supported-style header. */
  tokens(name: string): string[] {
    return this.getAll(name).map((v) => v.trim().toLowerCase()).filter((v) => v !== "");
  }

  /** Replace the first value of `name` (the top Via), keeping the rest of its line. */
  replaceFirst(name: string, value: string): void {
    const key = expandHeaderName(name).toLowerCase();
    const line = this.#list.find(([n]) => n.toLowerCase() === key);
    if (!line) return this.append(name, value);
    const rest = splitCommaList(line[1]).slice(1);
    line[1] = [value, ...rest].join(", ");
  }

  /** Copy. */
  clone(): SipHeaders {
    return new SipHeaders(this.#list);
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.#list.map(([n, v]) => [n, v] as [string, string])[Symbol.iterator]();
  }
}
