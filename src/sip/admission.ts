/**
 * Who may talk SIP to the box and how fast: an address/CIDR allowlist
 * (`sip.allowFrom`), per-source token buckets for new INVITEs, and a per-key
 * "at most once per interval" gate for log lines. Pure and clock-injected.
 */
import { type Cidr, cidrContains, parseCidr, parseIp } from "../net/cidr.ts";

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
