/**
 * Metadata for INVITEs that carry none: Cisco CUBE network-based recording without
 * SIPREC metadata, and plain (non-SIPREC) forks. Participants come from From/To
 * (or Cisco's `x-nearendaddr`/`x-farendaddr` From parameters); by convention the
 * first audio m-line is sent by the From party, the second by the To party.
 * A configurable map turns SIP headers into metadata keys.
 */
import { parseNameAddr, uriParts } from "./address.ts";
import type { SipHeaders } from "./headers.ts";
import type { MetaParticipant, RecordingMetadata } from "./metadata.ts";

/** SIP header name (case-insensitive) → metadata key, e.g. `{"X-UCID": "UCID"}`. */
export type HeaderMap = Record<string, string>;

function addressOf(value: string | undefined): { aor: string | null; name: string | null } {
  if (!value) return { aor: null, name: null };
  try {
    const a = parseNameAddr(value);
    return { aor: a.uri, name: a.display || uriParts(a.uri).user || null };
  } catch {
    return { aor: null, name: null };
  }
}

/** Copy mapped headers into flat metadata; headers absent from the request are skipped. */
export function mapHeaders(headers: SipHeaders, map: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, key] of Object.entries(map)) {
    const v = headers.get(header);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/**
 * Synthesize metadata from request headers. `streamIds` are the ids the caller uses
 * for the offered audio streams in m-line order (their labels, or the index).
 */
export function metadataFromHeaders(
  headers: SipHeaders,
  streamIds: string[],
  map: HeaderMap = {},
): RecordingMetadata {
  const fromValue = headers.get("From");
  let fromParams = new Map<string, string>();
  try {
    fromParams = fromValue ? parseNameAddr(fromValue).params : fromParams;
  } catch { /* keep empty */ }
  const pai = headers.get("P-Asserted-Identity");
  const caller = addressOf(pai ?? fromValue);
  const callee = addressOf(headers.get("To"));
  const near = fromParams.get("x-nearendaddr");
  const far = fromParams.get("x-farendaddr");
  const participants: MetaParticipant[] = [
    {
      id: "caller",
      aor: near ? `sip:${near}` : caller.aor,
      name: near ?? caller.name,
      sends: streamIds.slice(0, 1),
      receives: streamIds.slice(1, 2),
      extensions: {},
      left: false,
    },
    {
      id: "callee",
      aor: far ? `sip:${far}` : callee.aor,
      name: far ?? callee.name,
      sends: streamIds.slice(1, 2),
      receives: streamIds.slice(0, 1),
      extensions: {},
      left: false,
    },
  ];
  const extensions: Record<string, string> = {};
  for (const [k, v] of fromParams) if (k.startsWith("x-")) extensions[k] = v;
  Object.assign(extensions, mapHeaders(headers, map));
  return {
    dataMode: "complete",
    groups: [],
    sessions: [],
    participants,
    streams: streamIds.map((id) => ({ id, sessionId: null, label: id })),
    extensions,
  };
}
