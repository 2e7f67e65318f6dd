/**
 * multipart/mixed bodies (RFC 2046 §5.1) as SIPREC uses them (RFC 7866 §9.1):
 * an `application/sdp` part and a metadata part, possibly nested, metadata typed
 * `application/rs-metadata+xml` (RFC 7865 §12) or the legacy `application/rs-metadata`.
 */
import { parseParams } from "./address.ts";
import { SipHeaders } from "./headers.ts";
import { SipParseError } from "./message.ts";

/** One body part; nested multiparts are flattened by {@link parseMultipart}. */
export interface BodyPart {
  headers: SipHeaders;
  /** Lowercased media type without parameters, e.g. `application/sdp`. */
  contentType: string;
  body: string;
}

/** Media type and parameters of a Content-Type value. */
export function parseContentType(
  value: string | undefined,
): { type: string; params: Map<string, string> } {
  const text = value ?? "";
  const semi = text.indexOf(";");
  const type = (semi < 0 ? text : text.slice(0, semi)).trim().toLowerCase();
  return { type, params: parseParams(semi < 0 ? "" : text.slice(semi)) };
}

const MAX_DEPTH = 4;

/**
 * Split a multipart body into its leaf parts, depth first. Throws
 * {@link SipParseError} when the boundary is missing or never found.
 */
export function parseMultipart(contentType: string, body: string, depth = 0): BodyPart[] {
  const { params } = parseContentType(contentType);
  const boundary = params.get("boundary");
  if (!boundary) throw new SipParseError("Cannot parse multipart body: boundary is missing");
  if (depth > MAX_DEPTH) throw new SipParseError("Cannot parse multipart body: nested too deep");
  const delimiter = "--" + boundary;
  const chunks = body.split(delimiter);
  if (chunks.length < 2) {
    throw new SipParseError(`Cannot parse multipart body: boundary "${boundary}" not found`);
  }
  const parts: BodyPart[] = [];
  // chunks[0] is the preamble; a chunk starting with "--" is the close delimiter.
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith("--")) break;
    const part = parsePart(chunk);
    if (part.contentType.startsWith("multipart/")) {
      parts.push(...parseMultipart(part.headers.get("Content-Type") ?? "", part.body, depth + 1));
    } else {
      parts.push(part);
    }
  }
  return parts;
}

function parsePart(chunk: string): BodyPart {
  // The delimiter line ends with (transport padding and) CRLF; the part ends with CRLF.
  let text = chunk.replace(/^[ \t]*\r?\n/, "");
  text = text.replace(/\r?\n$/, "");
  let headText = "";
  let body = text;
  const sep = /\r?\n\r?\n/.exec(text);
  if (/^\r?\n/.test(text)) body = text.replace(/^\r?\n/, "");
  else if (sep) {
    headText = text.slice(0, sep.index);
    body = text.slice(sep.index + sep[0].length);
  } else if (/^[A-Za-z0-9-]+:/.test(text)) {
    headText = text;
    body = "";
  }
  const headers = new SipHeaders();
  for (const line of headText.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    if ((line[0] === " " || line[0] === "\t") && [...headers].length > 0) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new SipParseError(`Cannot parse body part header: "${line.slice(0, 60)}"`);
    }
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const contentType = parseContentType(headers.get("Content-Type") ?? "text/plain").type;
  return { headers, contentType, body };
}

/** Metadata media types, current and legacy (RFC 7865 §12, early drafts). */
export function isMetadataType(type: string): boolean {
  return type === "application/rs-metadata+xml" || type === "application/rs-metadata";
}

/** The SDP offer and recording metadata of an INVITE/UPDATE body. */
export interface SiprecBody {
  sdp: string | null;
  metadata: string | null;
}

/**
 * Pick SDP and metadata out of a body of any of the shapes SRCs send: plain SDP,
 * plain metadata, or multipart (nested or not). Disposition `recording-session`
 * marks metadata even when an SRC labels it with another XML type.
 */
export function extractSiprecBody(contentType: string | undefined, body: string): SiprecBody {
  const { type } = parseContentType(contentType);
  if (body.trim() === "") return { sdp: null, metadata: null };
  if (type === "application/sdp") return { sdp: body, metadata: null };
  if (isMetadataType(type)) return { sdp: null, metadata: body };
  if (!type.startsWith("multipart/")) return { sdp: null, metadata: null };
  const parts = parseMultipart(contentType ?? "", body);
  const sdp = parts.find((p) => p.contentType === "application/sdp")?.body ?? null;
  const meta = parts.find((p) => isMetadataType(p.contentType)) ??
    parts.find((p) =>
      /recording-session/i.test(p.headers.get("Content-Disposition") ?? "") &&
      p.contentType.includes("xml")
    );
  return { sdp, metadata: meta?.body ?? null };
}

/** Build a multipart/mixed body; returns the Content-Type value to send with it. */
export function buildMultipart(
  parts: { contentType: string; disposition?: string; body: string }[],
  boundary = "selrec-boundary-" + crypto.randomUUID().slice(0, 8),
): { contentType: string; body: string } {
  let body = "";
  for (const p of parts) {
    body += `--${boundary}\r\nContent-Type: ${p.contentType}\r\n`;
    if (p.disposition) body += `Content-Disposition: ${p.disposition}\r\n`;
    body += `\r\n${p.body}\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { contentType: `multipart/mixed;boundary=${boundary}`, body };
}
