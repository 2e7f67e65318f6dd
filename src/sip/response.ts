/** Building responses to requests (RFC 3261 §8.2.6). */
import { SipHeaders } from "./headers.ts";
import type { SipRequest, SipResponse } from "./message.ts";

/** Reason phrases for the codes this stack sends (RFC 3261 §21, RFC 3311, RFC 6665). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: "Trying",
  200: "OK",
  400: "Bad Request",
  405: "Method Not Allowed",
  415: "Unsupported Media Type",
  420: "Bad Extension",
  481: "Call/Transaction Does Not Exist",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  500: "Server Internal Error",
  503: "Service Unavailable",
  513: "Message Too Large",
};

/** Options of {@link createResponse}. */
export interface ResponseOptions {
  reason?: string;
  /** Added to To when the request's To has no tag (§8.2.6.2); not for 100. */
  toTag?: string;
  headers?: [string, string][];
  body?: { contentType: string; text: string };
}

/**
 * A response copying Via (all values, in order), From, To, Call-ID and CSeq from the
 * request (§8.2.6.2). Works on partial headers so a 400 can answer a broken request.
 */
export function createResponse(
  request: { headers: SipHeaders },
  status: number,
  options: ResponseOptions = {},
): SipResponse {
  const src = request.headers;
  const headers = new SipHeaders();
  for (const [name, value] of src) if (name.toLowerCase() === "via") headers.append(name, value);
  for (const name of ["From", "To", "Call-ID", "CSeq"]) {
    const v = src.get(name);
    if (v === undefined) continue;
    if (name === "To" && status > 100 && options.toTag && !/;\s*tag=/i.test(v)) {
      headers.append(name, `${v};tag=${options.toTag}`);
    } else headers.append(name, v);
  }
  for (const [n, v] of options.headers ?? []) headers.append(n, v);
  if (options.body) headers.append("Content-Type", options.body.contentType);
  return {
    kind: "response",
    status,
    reason: options.reason ?? REASON_PHRASES[status] ?? "Unknown",
    headers,
    body: options.body?.text ?? "",
  };
}

/** Convenience for the transaction layer: the request's method from CSeq or line. */
export function requestMethod(req: SipRequest): string {
  return req.method.toUpperCase();
}
