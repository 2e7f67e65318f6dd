/**
 * SIP message parse and serialize (RFC 3261 §7, §20, §25).
 *
 *   SIP-message  =  start-line *message-header CRLF [ message-body ]
 *   Request-Line =  Method SP Request-URI SP SIP-Version CRLF
 *   Status-Line  =  SIP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * Lenient where peers are sloppy (bare LF line ends, folded headers, compact names),
 * strict where framing depends on it (Content-Length). Every failure is a
 * {@link SipParseError}; its `status` says which response a server should send.
 */
import { SipHeaders } from "./headers.ts";

export { SipHeaders } from "./headers.ts";

/** Default size limit for one message; larger → 513 (RFC 3261 §21.5.14). */
export const MAX_MESSAGE_BYTES = 65_535;

/** Any failure to parse a SIP message, SDP, multipart body or metadata. */
export class SipParseError extends SyntaxError {
  /** The response code a server should answer with: 400, or 513 when too large. */
  readonly status: 400 | 513;
  /** Headers read before the failure; lets a server address a 400 response. */
  readonly headers: SipHeaders | null;
  constructor(message: string, options: { status?: 400 | 513; headers?: SipHeaders } = {}) {
    super(message);
    this.name = "SipParseError";
    this.status = options.status ?? 400;
    this.headers = options.headers ?? null;
  }
}

/** A SIP request (RFC 3261 §7.1). */
export interface SipRequest {
  kind: "request";
  method: string;
  uri: string;
  headers: SipHeaders;
  body: string;
}

/** A SIP response (RFC 3261 §7.2). */
export interface SipResponse {
  kind: "response";
  status: number;
  reason: string;
  headers: SipHeaders;
  body: string;
}

/** Either kind of SIP message. */
export type SipMessage = SipRequest | SipResponse;

const VERSION = "SIP/2.0";
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Index just past the blank line ending the headers, and its length; -1 when absent. */
export function findHeaderEnd(buf: Uint8Array, from = 0): { end: number; sep: number } | null {
  for (let i = from; i < buf.length - 1; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return { end: i + 2, sep: 2 };
    if (buf[i + 1] === 0x0d && i + 2 < buf.length && buf[i + 2] === 0x0a) {
      return { end: i + 3, sep: 3 };
    }
  }
  return null;
}

function parseStartLine(
  line: string,
): Omit<SipRequest, "headers" | "body"> | Omit<SipResponse, "headers" | "body"> {
  const parts = line.split(" ");
  if (parts[0] === VERSION || /^SIP\/\d\.\d$/i.test(parts[0])) {
    const status = Number(parts[1]);
    if (!/^\d{3}$/.test(parts[1] ?? "") || status < 100 || status > 699) {
      throw new SipParseError(`Cannot parse SIP status line: status is "${parts[1] ?? ""}"`);
    }
    return { kind: "response", status, reason: parts.slice(2).join(" ") };
  }
  if (parts.length !== 3) {
    throw new SipParseError(`Cannot parse SIP request line: "${line.slice(0, 80)}"`);
  }
  const [method, uri, version] = parts;
  if (method === "") throw new SipParseError("Cannot parse SIP request line: method is empty");
  if (!TOKEN.test(method)) {
    throw new SipParseError(`Cannot parse SIP request line: method is "${method.slice(0, 40)}"`);
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) {
    throw new SipParseError(`Cannot parse SIP request line: URI is "${uri.slice(0, 80)}"`);
  }
  if (version.toUpperCase() !== VERSION) {
    throw new SipParseError(`Cannot parse SIP request line: version is "${version.slice(0, 20)}"`);
  }
  return { kind: "request", method, uri };
}

/** RFC 3261 §7.3.1: header lines, with folded continuation lines joined by one space. */
function parseHeaderLines(lines: string[]): SipHeaders {
  const headers = new SipHeaders();
  let name = "";
  let value = "";
  const flush = () => {
    if (name !== "") headers.append(name, value.trim());
  };
  for (const line of lines) {
    if (line === "") continue;
    if (line[0] === " " || line[0] === "\t") {
      if (name === "") {
        throw new SipParseError("Cannot parse SIP header: continuation line before any header");
      }
      value += " " + line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(":");
    if (colon <= 0) {
      name = "";
      throw new SipParseError(`Cannot parse SIP header: no colon in "${line.slice(0, 60)}"`, {
        headers,
      });
    }
    name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) {
      throw new SipParseError(`Cannot parse SIP header: name is "${name.slice(0, 40)}"`, {
        headers,
      });
    }
    value = line.slice(colon + 1);
  }
  flush();
  return headers;
}

/** Content-Length as a number, or null when absent (RFC 3261 §20.14). */
export function contentLengthOf(headers: SipHeaders): number | null {
  const raw = headers.get("Content-Length");
  if (raw === undefined) return null;
  if (!/^\d{1,10}$/.test(raw)) {
    throw new SipParseError(`Cannot parse Content-Length: value is "${raw.slice(0, 20)}"`, {
      headers,
    });
  }
  return Number(raw);
}

/**
 * Parse one SIP message from bytes (one UDP datagram or one framed TCP message).
 * A missing Content-Length means "the rest of the datagram" (RFC 3261 §18.3); a
 * Content-Length longer than the bytes present is an error; extra bytes are ignored.
 */
export function parseSipMessage(buf: Uint8Array, maxBytes = MAX_MESSAGE_BYTES): SipMessage {
  if (buf.length > maxBytes) {
    throw new SipParseError(`Cannot parse SIP message: ${buf.length} bytes exceeds "${maxBytes}"`, {
      status: 513,
      headers: salvageHeaders(buf) ?? undefined,
    });
  }
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  const headerEnd = findHeaderEnd(buf, start);
  const headText = decoder.decode(buf.subarray(start, headerEnd ? headerEnd.end : buf.length));
  const lines = headText.split(/\r?\n/);
  const first = lines.shift() ?? "";
  if (first.trim() === "") throw new SipParseError("Cannot parse SIP message: message is empty");
  const head = parseStartLine(first.trimEnd());
  const headers = parseHeaderLines(lines);
  const bodyBytes = headerEnd ? buf.subarray(headerEnd.end) : new Uint8Array(0);
  const length = contentLengthOf(headers);
  if (length !== null && length > bodyBytes.length) {
    throw new SipParseError(
      `Cannot parse SIP message: Content-Length "${length}" exceeds the ${bodyBytes.length} body bytes`,
      { headers },
    );
  }
  const body = decoder.decode(length === null ? bodyBytes : bodyBytes.subarray(0, length));
  return { ...head, headers, body } as SipMessage;
}

/** Best-effort header read of an unparseable message, for addressing a 400/513. */
export function salvageHeaders(buf: Uint8Array): SipHeaders | null {
  try {
    const end = findHeaderEnd(buf)?.end ?? Math.min(buf.length, 8192);
    const lines = decoder.decode(buf.subarray(0, end)).split(/\r?\n/).slice(1);
    const headers = new SipHeaders();
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0 && line[0] !== " " && line[0] !== "\t") {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
    }
    return headers;
  } catch {
    return null;
  }
}

/** Serialize with a recomputed Content-Length in bytes (RFC 3261 §20.14). */
export function serializeSipMessage(msg: SipMessage): Uint8Array {
  const body = encoder.encode(msg.body);
  const start = msg.kind === "request"
    ? `${msg.method} ${msg.uri} ${VERSION}`
    : `${VERSION} ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [name, value] of msg.headers) {
    if (name.toLowerCase() !== "content-length") lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${body.length}`, "", "");
  const head = encoder.encode(lines.join("\r\n"));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** The text form of {@link serializeSipMessage}, for logs and tests. */
export function sipMessageToString(msg: SipMessage): string {
  return decoder.decode(serializeSipMessage(msg));
}
