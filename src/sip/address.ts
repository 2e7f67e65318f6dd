/**
 * Structured SIP header values: name-addr (RFC 3261 §20.10, §25.1), Via (§20.42,
 * RFC 3581 rport), CSeq (§20.16) and generic `;param` lists.
 */
import { SipParseError } from "./message.ts";

/** `;name=value` parameters; flag parameters map to "". Keys are lowercased. */
export type SipParams = Map<string, string>;

/** Parse `;a=1;b;c="x"` (leading `;` optional). */
export function parseParams(text: string): SipParams {
  const params: SipParams = new Map();
  for (const raw of splitOutsideQuotes(text, ";")) {
    const part = raw.trim();
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (name !== "") params.set(name, value);
  }
  return params;
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === sep && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** A name-addr or addr-spec with header parameters (tag, +sip.src …). */
export interface NameAddr {
  display: string;
  uri: string;
  params: SipParams;
}

/** Parse From/To/Contact values: `"Name" <sip:a@b>;tag=x` or `sip:a@b;tag=x`. */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  const lt = text.indexOf("<");
  if (lt >= 0) {
    const gt = text.indexOf(">", lt);
    if (gt < 0) throw new SipParseError(`Cannot parse name-addr: no ">" in "${text.slice(0, 80)}"`);
    const display = text.slice(0, lt).trim().replace(/^"(.*)"$/, "$1");
    return { display, uri: text.slice(lt + 1, gt).trim(), params: parseParams(text.slice(gt + 1)) };
  }
  // addr-spec form: parameters after the URI belong to the header (§20.10).
  const semi = text.indexOf(";");
  const uri = semi < 0 ? text : text.slice(0, semi);
  if (uri === "") throw new SipParseError("Cannot parse name-addr: URI is empty");
  return { display: "", uri, params: parseParams(semi < 0 ? "" : text.slice(semi)) };
}

/** Serialize a name-addr, always in the bracketed form. */
export function formatNameAddr(addr: NameAddr): string {
  const display = addr.display ? `"${addr.display.replace(/"/g, "")}" ` : "";
  return `${display}<${addr.uri}>${formatParams(addr.params)}`;
}

/** Serialize parameters as `;a=1;b`. */
export function formatParams(params: SipParams): string {
  let out = "";
  for (const [k, v] of params) out += v === "" ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** The user and host parts of a sip:/sips:/tel: URI; empty strings when absent. */
export function uriParts(uri: string): { scheme: string; user: string; host: string } {
  const m = /^([a-z][a-z0-9+.-]*):(?:([^@;?]*)@)?([^;?>]*)/i.exec(uri.trim());
  if (!m) return { scheme: "", user: "", host: "" };
  return { scheme: m[1].toLowerCase(), user: m[2] ?? (m[1] === "tel" ? m[3] : ""), host: m[3] };
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  transport: string;
  host: string;
  port: number | null;
  params: SipParams;
}

/** Parse `SIP/2.0/UDP host:port;branch=…;rport`. */
export function parseVia(value: string): Via {
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;\s]+)\s*(.*)$/i.exec(value);
  if (!m) throw new SipParseError(`Cannot parse Via: "${value.slice(0, 80)}"`);
  const hostPort = m[2];
  let host = hostPort;
  let port: number | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (v6) {
    host = v6[1];
    port = v6[2] ? Number(v6[2]) : null;
  } else if (hostPort.includes(":")) {
    const i = hostPort.lastIndexOf(":");
    host = hostPort.slice(0, i);
    port = Number(hostPort.slice(i + 1));
  }
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new SipParseError(`Cannot parse Via: port is "${hostPort}"`);
  }
  return { transport: m[1].toUpperCase(), host, port, params: parseParams(m[3]) };
}

/** Serialize a Via value. */
export function formatVia(via: Via): string {
  const host = via.host.includes(":") ? `[${via.host}]` : via.host;
  const port = via.port === null ? "" : `:${via.port}`;
  return `SIP/2.0/${via.transport} ${host}${port}${formatParams(via.params)}`;
}

/** A CSeq value (RFC 3261 §20.16). */
export interface CSeq {
  seq: number;
  method: string;
}

/** Parse `CSeq: 314159 INVITE`; the number must fit 32 bits (§8.1.1.5). */
export function parseCSeq(value: string | undefined): CSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value ?? "");
  if (!m || Number(m[1]) > 0xffffffff) {
    throw new SipParseError(`Cannot parse CSeq: "${(value ?? "").slice(0, 40)}"`);
  }
  return { seq: Number(m[1]), method: m[2].toUpperCase() };
}
