/**
 * SDP parse and serialize (RFC 8866 §5), with the attribute helpers an SRS needs:
 * rtpmap/fmtp (§6.6, §6.15), direction (§6.7), label (RFC 4574), mid (RFC 5888).
 *
 *   session: v= o= s= [i= u= e= p=] [c=] b=* t=+ [r= z= k=] a=*  m-section*
 *   media:   m= [i=] [c=]* b=* [k=] a=*
 */
import { SipParseError } from "./message.ts";

/** One `x=value` line kept verbatim (b=, t=, i=, …). */
export interface SdpLine {
  type: string;
  value: string;
}

/** One `a=name[:value]` attribute; `value` is null for property attributes. */
export interface SdpAttribute {
  name: string;
  value: string | null;
}

/** `c=` connection data (RFC 8866 §5.7). */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

/** `o=` origin (RFC 8866 §5.2). */
export interface SdpOrigin {
  username: string;
  sessId: string;
  sessVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** One m-section (RFC 8866 §5.14). */
export interface SdpMedia {
  type: string;
  port: number;
  portCount: number | null;
  proto: string;
  formats: string[];
  connection: SdpConnection | null;
  lines: SdpLine[];
  attributes: SdpAttribute[];
}

/** A whole session description. */
export interface SdpSession {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  connection: SdpConnection | null;
  lines: SdpLine[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

/** Media stream direction (RFC 8866 §6.7). */
export type SdpDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";
const DIRECTIONS = new Set<string>(["sendrecv", "sendonly", "recvonly", "inactive"]);

function fail(what: string, value: string): never {
  throw new SipParseError(`Cannot parse SDP ${what}: "${value.slice(0, 80)}"`);
}

function parseConnection(value: string): SdpConnection {
  const f = value.trim().split(/\s+/);
  if (f.length !== 3) fail("connection", value);
  return { netType: f[0], addrType: f[1], address: f[2] };
}

function parseOrigin(value: string): SdpOrigin {
  const f = value.trim().split(/\s+/);
  if (f.length !== 6) fail("origin", value);
  return {
    username: f[0],
    sessId: f[1],
    sessVersion: f[2],
    netType: f[3],
    addrType: f[4],
    address: f[5],
  };
}

function parseMediaLine(value: string): SdpMedia {
  const f = value.trim().split(/\s+/);
  if (f.length < 3) fail("media line", value);
  const m = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(f[1]);
  if (!m || Number(m[1]) > 65535) fail("media port", value);
  if (!/^[A-Za-z0-9]/.test(f[0]) || !/^[A-Za-z0-9]/.test(f[2])) fail("media line", value);
  return {
    type: f[0],
    port: Number(m[1]),
    portCount: m[2] === undefined ? null : Number(m[2]),
    proto: f[2],
    formats: f.slice(3),
    connection: null,
    lines: [],
    attributes: [],
  };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(":");
  const name = (colon < 0 ? value : value.slice(0, colon)).trim();
  if (!/^[A-Za-z0-9\-_.+]+$/.test(name)) fail("attribute", value);
  return { name, value: colon < 0 ? null : value.slice(colon + 1).trim() };
}

/**
 * Parse an SDP body. Accepts CRLF or bare LF, skips blank lines, keeps unknown lines.
 * Throws {@link SipParseError} on a bad v=, o=, c= or m= line, or a missing o=.
 */
export function parseSdp(text: string): SdpSession {
  let version: number | null = null;
  let origin: SdpOrigin | null = null;
  let sessionName = "-";
  let connection: SdpConnection | null = null;
  const lines: SdpLine[] = [];
  const attributes: SdpAttribute[] = [];
  const media: SdpMedia[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (!/^[a-zA-Z]=/.test(line)) fail("line", line);
    const type = line[0];
    const value = line.slice(2);
    const current = media.at(-1);
    if (type === "m") media.push(parseMediaLine(value));
    else if (type === "a") (current ?? { attributes }).attributes.push(parseAttribute(value));
    else if (type === "c") {
      if (current) current.connection = parseConnection(value);
      else connection = parseConnection(value);
    } else if (current) current.lines.push({ type, value: value.trim() });
    else if (type === "v") {
      if (value.trim() !== "0") fail("version", value);
      version = 0;
    } else if (type === "o") origin = parseOrigin(value);
    else if (type === "s") sessionName = value.trim() || "-";
    else lines.push({ type, value: value.trim() });
  }
  if (version === null && origin === null) fail("body", "no v= or o= line");
  if (origin === null) fail("origin", "missing");
  return { version: 0, origin, sessionName, connection, lines, attributes, media };
}

const BEFORE_C = new Set(["i", "u", "e", "p"]);

function conn(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function attr(a: SdpAttribute): string {
  return a.value === null ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

/** Serialize in RFC 8866 §5 field order, CRLF line ends. */
export function serializeSdp(sdp: SdpSession): string {
  const o = sdp.origin;
  const out = [
    "v=0",
    `o=${o.username} ${o.sessId} ${o.sessVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName}`,
    ...sdp.lines.filter((l) => BEFORE_C.has(l.type)).map((l) => `${l.type}=${l.value}`),
    ...(sdp.connection ? [conn(sdp.connection)] : []),
    ...sdp.lines.filter((l) => !BEFORE_C.has(l.type)).map((l) => `${l.type}=${l.value}`),
  ];
  out.push(...sdp.attributes.map(attr));
  for (const m of sdp.media) {
    const port = m.portCount === null ? `${m.port}` : `${m.port}/${m.portCount}`;
    out.push([`m=${m.type}`, port, m.proto, ...m.formats].join(" "));
    out.push(...m.lines.filter((l) => l.type === "i").map((l) => `i=${l.value}`));
    if (m.connection) out.push(conn(m.connection));
    out.push(...m.lines.filter((l) => l.type !== "i").map((l) => `${l.type}=${l.value}`));
    out.push(...m.attributes.map(attr));
  }
  return out.join("\r\n") + "\r\n";
}

/** First value of attribute `name` (case-insensitive), or undefined. */
export function attributeValue(attrs: SdpAttribute[], name: string): string | undefined {
  const n = name.toLowerCase();
  const a = attrs.find((x) => x.name.toLowerCase() === n);
  return a ? a.value ?? "" : undefined;
}

/** Effective direction of a stream: media level, else session level, else sendrecv. */
export function mediaDirection(sdp: SdpSession, m: SdpMedia): SdpDirection {
  const find = (attrs: SdpAttribute[]) =>
    attrs.map((a) => a.name.toLowerCase()).find((n) => DIRECTIONS.has(n)) as
      | SdpDirection
      | undefined;
  return find(m.attributes) ?? find(sdp.attributes) ?? "sendrecv";
}

/** Connection for a stream: media level, else session level (RFC 8866 §5.7). */
export function mediaConnection(sdp: SdpSession, m: SdpMedia): SdpConnection | null {
  return m.connection ?? sdp.connection;
}

/** A payload format from rtpmap, or a static payload type (RFC 3551 §6). */
export interface RtpFormat {
  pt: number;
  name: string;
  clockRate: number;
  channels: number;
  fmtp: string | null;
}

const STATIC_FORMATS: Record<number, [string, number]> = {
  0: ["PCMU", 8000],
  3: ["GSM", 8000],
  4: ["G723", 8000],
  8: ["PCMA", 8000],
  9: ["G722", 8000],
  13: ["CN", 8000],
  18: ["G729", 8000],
};

/** Payload formats of an m-line in offer order, with rtpmap and fmtp applied. */
export function mediaFormats(m: SdpMedia): RtpFormat[] {
  const out: RtpFormat[] = [];
  for (const f of m.formats) {
    if (!/^\d{1,3}$/.test(f) || Number(f) > 127) continue;
    const pt = Number(f);
    const rtpmap = m.attributes.find((a) =>
      a.name.toLowerCase() === "rtpmap" && a.value?.split(/\s+/)[0] === f
    );
    const fmtp = m.attributes.find((a) =>
      a.name.toLowerCase() === "fmtp" && a.value?.split(/\s+/)[0] === f
    );
    const fmtpValue = fmtp?.value?.slice(f.length).trim() ?? null;
    const enc = /^\d+\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(rtpmap?.value ?? "");
    if (enc) {
      out.push({
        pt,
        name: enc[1],
        clockRate: Number(enc[2]),
        channels: enc[3] ? Number(enc[3]) : 1,
        fmtp: fmtpValue,
      });
    } else if (STATIC_FORMATS[pt]) {
      const [name, clockRate] = STATIC_FORMATS[pt];
      out.push({ pt, name, clockRate, channels: 1, fmtp: fmtpValue });
    }
  }
  return out;
}
