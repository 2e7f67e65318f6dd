/**
 * IP addresses and CIDR prefixes (RFC 4632, RFC 4291 §2.2–2.3) as bytes, for matching
 * packet and SIP sources against configured networks (`rtp.mediaNetworks`, `sip.allowFrom`). IPv4-mapped IPv6 (`::ffff:a.b.c.d`)
 * matches the IPv4 form. Parsing throws SyntaxError; matching never throws.
 */

/** A parsed prefix: `bits` leading bits of `bytes` (4 bytes for IPv4, 16 for IPv6). */
export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (const [i, p] of parts.entries()) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  s = s.replace(/%.*$/, ""); // zone id
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".") && lastColon >= 0) {
    // An embedded IPv4 tail (RFC 4291 §2.2 form 3) becomes two hex groups.
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const words = (h: string) =>
    h === "" ? [] : h.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const head = words(halves[0]), tail = halves.length === 2 ? words(halves[1]) : [];
  if ([...head, ...tail].some(Number.isNaN)) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** IPv4-mapped IPv6 (`::ffff:0:0/96`) as its 4 IPv4 bytes; anything else unchanged. */
function unmap(b: Uint8Array): Uint8Array {
  if (b.length !== 16) return b;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return b;
  if (b[10] !== 0xff || b[11] !== 0xff) return b;
  return b.subarray(12);
}

/** Parses an IPv4 or IPv6 literal, or returns null (host names are not addresses). */
export function parseIp(text: string): Uint8Array | null {
  const t = text.trim();
  const b = t.includes(":") ? parseIpv6(t) : parseIpv4(t);
  return b ? unmap(b) : null;
}

/** Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.trim().split("/");
  const bytes = parseIp(addr ?? "");
  if (!bytes || extra !== undefined) {
    throw new SyntaxError(`Cannot parse CIDR "${text}": expected an address like 10.0.0.0/8`);
  }
  const max = bytes.length * 8;
  const bits = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= max)) {
    throw new SyntaxError(`Cannot parse CIDR "${text}": prefix length must be 0–${max}`);
  }
  return { bytes, bits };
}

/** True when `address` (bytes from {@link parseIp}) lies inside `cidr`. */
export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.bytes.length !== address.length) return false;
  const whole = cidr.bits >> 3, rest = cidr.bits & 7;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address[i]) return false;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[whole] & mask) === (address[whole] & mask);
}

/** True when two address literals name the same address (`::ffff:1.2.3.4` = `1.2.3.4`). */
export function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseIp(a), y = parseIp(b);
  if (!x || !y || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
