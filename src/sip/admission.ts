/**
 * Who may talk SIP to the box and how fast: an address/CIDR allowlist
 * (`sip.allowFrom`), per-source token buckets for new INVITEs, and a per-key
 * "at most once per interval" gate for log lines. Pure and clock-injected.
 */

/** A parsed IP address: 4 or 16 bytes. */
export interface IpAddress {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** An address with a prefix length (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`). */
export interface Cidr extends IpAddress {
  prefix: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return null;
    out[i] = Number(parts[i]);
  }
  return out;
}

/** RFC 4291 §2.2 text forms: `::` once, an IPv4 tail allowed; a `%zone` is ignored. */
function parseIpv6(text: string): Uint8Array | null {
  const t = text.replace(/%.*$/, "");
  const halves = t.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) out.push(parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Parse an IPv4 or IPv6 address (brackets allowed); IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`) becomes IPv4 so a dual-stack listener matches IPv4 rules.
 */
export function parseIp(text: string): IpAddress | null {
  const t = text.trim().replace(/^\[(.*)\]$/, "$1");
  const v4 = parseIpv4(t);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = t.includes(":") ? parseIpv6(t) : null;
  if (!v6) return null;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}

/** Parse `address[/prefix]`; a bare address is a host route (/32 or /128). */
export function parseCidr(text: string): Cidr {
  const [addr, prefixText, extra] = text.trim().split("/");
  const ip = parseIp(addr ?? "");
  if (!ip || extra !== undefined) {
    throw new SyntaxError(`Cannot parse address or CIDR: "${text.slice(0, 60)}"`);
  }
  const max = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if ((prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) || prefix > max) {
    throw new RangeError(`Cannot parse CIDR: prefix of "${text.slice(0, 60)}" is not 0-${max}`);
  }
  return { ...ip, prefix };
}

/** True when `ip` lies inside `net`. */
export function cidrContains(net: Cidr, ip: IpAddress): boolean {
  if (net.family !== ip.family) return false;
  const full = net.prefix >> 3;
  for (let i = 0; i < full; i++) if (net.bytes[i] !== ip.bytes[i]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (net.bytes[full] & mask) === (ip.bytes[full] & mask);
}

/** `sip.allowFrom`: an empty list allows every source. */
export class AddressFilter {
  readonly #nets: Cidr[];

  /** Throws `SyntaxError`/`RangeError` naming the first bad entry. */
  constructor(entries: readonly string[]) {
    this.#nets = entries.map(parseCidr);
  }

  /** True when no list is configured. */
  get open(): boolean {
    return this.#nets.length === 0;
  }

  /** Whether `hostname` (a literal address, as sockets report it) may send SIP. */
  allows(hostname: string): boolean {
    if (this.#nets.length === 0) return true;
    const ip = parseIp(hostname);
    return ip !== null && this.#nets.some((n) => cidrContains(n, ip));
  }
}

/** Options of {@link TokenBuckets}. */
export interface TokenBucketOptions {
  /** Tokens per second per key; 0 turns the limit off. */
  rate: number;
  /** Bucket size: how many may come at once after a quiet spell. */
  burst: number;
  /** Milliseconds clock. */
  now: () => number;
  /** Keys remembered at most (spoofed sources must not grow memory). */
  maxKeys?: number;
}

/** One token bucket per key (source address). */
export class TokenBuckets {
  #o: Required<TokenBucketOptions>;
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: TokenBucketOptions) {
    this.#o = { maxKeys: 10_000, ...options };
  }

  /** Take one token for `key`; false when its bucket is empty (over the rate). */
  take(key: string): boolean {
    const { rate, burst } = this.#o;
    if (rate <= 0) return true;
    const now = this.#o.now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= this.#o.maxKeys) this.#prune(now);
      b = { tokens: burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Keys held. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forget full buckets; if all are busy, the oldest half. */
  #prune(now: number): void {
    const { rate, burst } = this.#o;
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) * rate) / 1000 >= burst) this.#buckets.delete(k);
    }
    if (this.#buckets.size < this.#o.maxKeys) return;
    let drop = this.#buckets.size >> 1;
    for (const k of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(k);
    }
  }
}

/** Lets one event per key through per interval and counts the ones held back. */
export class OncePer {
  #intervalMs: number;
  #now: () => number;
  #maxKeys: number;
  #last = new Map<string, { at: number; suppressed: number }>();

  constructor(intervalMs: number, now: () => number, maxKeys = 1000) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** `null` when held back; else how many were held back since the last one let through. */
  pass(key: string): number | null {
    const now = this.#now();
    const e = this.#last.get(key);
    if (e && now - e.at < this.#intervalMs) {
      e.suppressed++;
      return null;
    }
    if (!e && this.#last.size >= this.#maxKeys) {
      for (const [k, v] of this.#last) if (now - v.at >= this.#intervalMs) this.#last.delete(k);
      if (this.#last.size >= this.#maxKeys) return null;
    }
    const suppressed = e?.suppressed ?? 0;
    this.#last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
