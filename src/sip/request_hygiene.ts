/**
 * What a server checks and fixes on every request before acting on it: the
 * mandatory headers (RFC 3261 §8.1.1, §8.2), the top Via stamped with where the
 * request really came from (§18.2.1, RFC 3581 §4), and a 400/513 for a request we
 * cannot handle whenever a response can be addressed (§8.2.6, §21.4.1).
 */
import { formatVia, parseCSeq, parseNameAddr, parseVia, type Via } from "./address.ts";
import type { PeerAddress } from "./dialog.ts";
import type { SipHeaders } from "./headers.ts";
import { SipParseError, type SipRequest, type SipResponse } from "./message.ts";
import { createResponse } from "./response.ts";

const MANDATORY = ["From", "To", "Call-ID", "CSeq"] as const;

/** The top Via, or null when there is none or it cannot be parsed. */
export function topVia(headers: SipHeaders): Via | null {
  const first = headers.getAll("Via")[0];
  if (first === undefined) return null;
  try {
    return parseVia(first);
  } catch {
    return null;
  }
}

/**
 * Throws a {@link SipParseError} carrying the headers (so a 400 can be addressed)
 * when a request lacks or garbles a header every request needs.
 */
export function validateRequest(req: SipRequest): void {
  const fail = (text: string): never => {
    throw new SipParseError(`Cannot handle SIP request: ${text}`, { headers: req.headers });
  };
  const vias = req.headers.getAll("Via");
  if (vias.length === 0) fail("Via is missing or empty");
  parseVia(vias[0]);
  for (const h of MANDATORY) {
    if ((req.headers.get(h) ?? "").trim() === "") fail(`${h} is missing`);
  }
  for (const h of ["From", "To"] as const) {
    try {
      parseNameAddr(req.headers.get(h)!);
    } catch (error) {
      fail(`${h} is malformed (${(error as Error).message})`);
    }
  }
  const cseq = parseCSeq(req.headers.get("CSeq"));
  if (cseq.method !== req.method.toUpperCase()) fail(`CSeq method is "${cseq.method}"`);
}

/**
 * §18.2.1 and RFC 3581 §4: `received` always holds the address the request came
 * from and `rport`, when the sender asked for it, the port. Values the sender put
 * there are replaced: responses are never aimed by what the sender wrote.
 */
export function stampVia(req: SipRequest, from: PeerAddress): void {
  const via = parseVia(req.headers.getAll("Via")[0] ?? "");
  via.params.set("received", from.hostname);
  if (via.params.has("rport")) via.params.set("rport", String(from.port));
  req.headers.replaceFirst("Via", formatVia(via));
}

/** Method of the request line of raw bytes, uppercased; "" for a response or garbage. */
function requestMethod(bytes: Uint8Array): string {
  const line = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  const m = /^([A-Za-z]+) /.exec(line);
  return m && !/^SIP\//i.test(line) ? m[1].toUpperCase() : "";
}

/**
 * The 400/513 answering bytes that failed to parse or validate, or null when no
 * response may be sent: a response or garbage, an ACK (never answered, §17.2.1),
 * or no usable top Via to address it with (§8.2.6.2). The Warning names the fault.
 */
export function malformedResponse(
  bytes: Uint8Array,
  error: unknown,
  host: string,
): SipResponse | null {
  const e = error instanceof SipParseError ? error : null;
  const headers = e?.headers;
  const method = requestMethod(bytes);
  if (!headers || method === "" || method === "ACK") return null;
  if (/\bACK\b/i.test(headers.get("CSeq") ?? "") || topVia(headers) === null) return null;
  const warning = (e?.message ?? "Malformed request").replace(/"/g, "'").slice(0, 200);
  return createResponse({ headers }, e?.status ?? 400, {
    headers: [["Warning", `399 ${host} "${warning}"`]],
  });
}
