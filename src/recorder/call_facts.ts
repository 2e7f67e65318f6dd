/**
 * Normalizes session metadata (RFC 7865 extension data, attached data, mapped SIP
 * headers — each vendor spells keys its own way) into the built-in call fields the
 * rules and search use.
 */
import type { SessionInfo } from "./session.ts";

/** Built-in fields and the metadata spellings they are read from (case-insensitive). */
const FIELD_ALIASES: Record<string, string[]> = {
  businessUnit: ["businessUnit", "business_unit", "BU", "X-Business-Unit"],
  customerType: ["customerType", "customer_type", "CustomerSegment", "X-Customer-Type"],
  language: ["language", "lang", "X-Language"],
  dn: ["dn", "AgentDN", "X-DN"],
  agentId: ["agentId", "agent_id", "AgentID", "AgentLogin", "X-Agent-ID"],
  queue: ["queue", "VQ", "X-Queue", "skill"],
  direction: ["direction", "CallDirection", "X-Direction"],
  ani: ["ani", "ANI", "CallingNumber", "from"],
  dnis: ["dnis", "DNIS", "CalledNumber", "to"],
  customerId: ["customerId", "customer_id", "CustomerID", "X-Customer-ID"],
  ucid: ["UCID", "ucid", "X-Genesys-CallUUID", "X-UCID", "CallUUID", "GUID"],
  interactionType: ["interactionType", "InteractionType", "MediaType"],
};

/** The call's built-in fields, attached data and the stable call key. */
export interface CallFacts {
  callKey: string;
  fields: Record<string, string>;
  data: Record<string, string>;
}

function lookup(md: Record<string, string>, names: string[]): string | undefined {
  const lower = new Map(Object.entries(md).map(([k, v]) => [k.toLowerCase(), v]));
  for (const n of names) {
    const v = md[n] ?? lower.get(n.toLowerCase());
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

function userOf(aor: string | null | undefined): string | undefined {
  if (!aor) return undefined;
  return /^(?:sips?:|tel:)?([^@;]+)/i.exec(aor)?.[1];
}

/** Derives call facts from a session; the call key prefers UCID, then session id, then Call-ID. */
export function callFacts(session: SessionInfo): CallFacts {
  const md = session.metadata;
  const fields: Record<string, string> = {};
  for (const [field, names] of Object.entries(FIELD_ALIASES)) {
    const v = lookup(md, names);
    if (v !== undefined) fields[field] = v;
  }
  const first = session.participants[0], second = session.participants[1];
  fields.ani ??= userOf(first?.aor) ?? "";
  fields.dnis ??= userOf(second?.aor) ?? "";
  if (fields.ani === "") delete fields.ani;
  if (fields.dnis === "") delete fields.dnis;
  const callKey = fields.ucid ?? session.sessionId ?? session.sipCallId;
  return { callKey, fields, data: { ...md } };
}
