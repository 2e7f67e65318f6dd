/**
 * SIP over a byte stream (TCP): split messages by Content-Length (RFC 3261 §18.3),
 * across partial reads and with several messages per read. Bare CRLFs between
 * messages are keep-alives (RFC 5626 §3.5.1): a double CRLF "ping" is reported so
 * the transport can answer with a single CRLF "pong".
 */
import { contentLengthOf, findHeaderEnd, MAX_MESSAGE_BYTES, SipParseError } from "./message.ts";
import { SipHeaders } from "./headers.ts";

/** What one push produced, in order. */
export type FramerItem =
  | { kind: "message"; bytes: Uint8Array }
  | { kind: "keepalive" }
  | { kind: "error"; error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;
const decoder = new TextDecoder();

/**
 * Incremental framer. After an `error` item the stream cannot be resynchronised:
 * the owner should answer (if it can) and close the connection.
 */
export class SipStreamFramer {
  #buf = new Uint8Array(0);
  #maxBytes: number;
  #failed = false;

  constructor(maxBytes = MAX_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** True when part of a message (not only keep-alive CR/LF) is held: a message has started. */
  get started(): boolean {
    return this.#buf.some((b) => b !== CR && b !== LF);
  }

  /** Feed bytes read from the socket; returns every complete item. */
  push(chunk: Uint8Array): FramerItem[] {
    if (this.#failed) return [];
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    const items: FramerItem[] = [];
    let pos = 0;
    while (pos < joined.length) {
      const crlfs = countLeadingCrlf(joined, pos);
      if (crlfs.bytes > 0) {
        if (crlfs.pings === 0 && pos + crlfs.bytes === joined.length) break;
        if (crlfs.pings > 0) items.push({ kind: "keepalive" });
        pos += crlfs.bytes;
        continue;
      }
      const next = this.#frame(joined, pos);
      if (next === null) break;
      if ("error" in next) {
        this.#failed = true;
        items.push({ kind: "error", error: next.error });
        pos = joined.length;
        break;
      }
      items.push({ kind: "message", bytes: joined.slice(pos, next.end) });
      pos = next.end;
    }
    this.#buf = joined.slice(pos);
    return items;
  }

  #frame(buf: Uint8Array, pos: number): { end: number } | { error: SipParseError } | null {
    const head = findHeaderEnd(buf, pos);
    if (head === null) {
      if (buf.length - pos > this.#maxBytes) {
        return {
          error: new SipParseError("Cannot frame SIP message: headers too large", { status: 513 }),
        };
      }
      return null;
    }
    const headers = new SipHeaders();
    const text = decoder.decode(buf.subarray(pos, head.end));
    for (const line of text.split(/\r?\n/).slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0 && line[0] !== " " && line[0] !== "\t") {
        headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      }
    }
    let length: number | null;
    try {
      length = contentLengthOf(headers);
    } catch (error) {
      return { error: error as SipParseError };
    }
    if (length === null) {
      // RFC 3261 §18.3: Content-Length MUST be used with stream transports.
      return {
        error: new SipParseError("Cannot frame SIP message: Content-Length is missing", {
          headers,
        }),
      };
    }
    const end = head.end + length;
    if (end - pos > this.#maxBytes) {
      return {
        error: new SipParseError(`Cannot frame SIP message: Content-Length "${length}" too large`, {
          status: 513,
          headers,
        }),
      };
    }
    return end <= buf.length ? { end } : null;
  }
}

/** Leading CR/LF bytes at `pos`, and how many CRLFCRLF pings they hold. */
function countLeadingCrlf(buf: Uint8Array, pos: number): { bytes: number; pings: number } {
  let i = pos;
  let lfs = 0;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) {
    if (buf[i] === LF) lfs++;
    i++;
  }
  return { bytes: i - pos, pings: Math.floor(lfs / 2) };
}
