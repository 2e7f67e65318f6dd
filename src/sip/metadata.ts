/**
 * Recording metadata (RFC 7865 §6): recording, group, session, participant, stream
 * and their associations, read leniently: element and attribute names match case-
 * and dash-insensitively (Avaya `dataMode`, `participantStreamAssoc`), early-draft
 * shapes (`id=`, `send`/`recv` inside participant) are accepted, and every element
 * outside the RFC model (Oracle `extensiondata`, Genesys, AudioCodes …) is flattened
 * into key/values. The caller keeps the raw XML.
 */
import { SipParseError } from "./message.ts";
import { attrOf, childrenOf, childText, nameKey, parseXmlTree, type XmlNode } from "./xml_tree.ts";

/** The RFC 7865 namespace; earlier drafts used it without `:1`. */
export const RECORDING_NS = "urn:ietf:params:xml:ns:recording:1";

/** A participant (RFC 7865 §6.5). `sends`/`receives` hold stream ids. */
export interface MetaParticipant {
  id: string;
  aor: string | null;
  name: string | null;
  sends: string[];
  receives: string[];
  extensions: Record<string, string>;
  /** A partial update disassociated this participant (RFC 7865 §6.8.2). */
  left: boolean;
}

/** A stream (RFC 7865 §6.6): the SDP `a=label` it describes. */
export interface MetaStream {
  id: string;
  sessionId: string | null;
  label: string | null;
}

/** A communication session (RFC 7865 §6.4). */
export interface MetaSession {
  id: string;
  sipSessionIds: string[];
  groupRef: string | null;
}

/** A parsed metadata document. */
export interface RecordingMetadata {
  dataMode: "complete" | "partial";
  groups: string[];
  sessions: MetaSession[];
  participants: MetaParticipant[];
  streams: MetaStream[];
  /** Extension data outside participants, flattened (UCID, X-Genesys-CallUUID, …). */
  extensions: Record<string, string>;
}

const MODEL = new Set([
  "datamode",
  "group",
  "session",
  "participant",
  "stream",
  "sessionrecordingassoc",
  "participantsessionassoc",
  "participantstreamassoc",
  "sipsessionid",
  "groupref",
  "associatetime",
  "disassociatetime",
  "nameid",
  "name",
  "aor",
  "label",
  "send",
  "recv",
  "starttime",
  "stoptime",
  "content-type",
  "contenttype",
]);

function isRecordingNs(ns: string): boolean {
  return ns === "" || ns.startsWith("urn:ietf:params:xml:ns:recording");
}

function isExtension(node: XmlNode): boolean {
  return !isRecordingNs(node.ns) || !MODEL.has(node.key);
}

/** Flatten extension elements: leaf text → `local: text`; `name=`/`value=` pairs too. */
export function flattenExtension(
  node: XmlNode,
  out: Record<string, string> = {},
): Record<string, string> {
  const put = (k: string, v: string) => {
    if (k !== "" && !(k in out)) out[k] = v;
  };
  const name = node.attrs["name"] ?? node.attrs["key"];
  const value = node.attrs["value"];
  if (name !== undefined && value !== undefined) put(name, value);
  else if (name !== undefined && node.children.length === 0 && node.text !== "") {
    put(name, node.text);
  } else if (node.children.length === 0 && node.text !== "") put(node.local, node.text);
  for (const c of node.children) flattenExtension(c, out);
  return out;
}

function extensionsOf(node: XmlNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of node.children) if (isExtension(c)) flattenExtension(c, out);
  return out;
}

const texts = (n: XmlNode, key: string) => childrenOf(n, key).map((c) => c.text).filter(Boolean);

function readParticipant(n: XmlNode): MetaParticipant {
  const id = attrOf(n, "participantid", "id") ?? "";
  const nameId = childrenOf(n, "nameid")[0];
  const aor = (nameId ? attrOf(nameId, "aor") ?? childText(nameId, "aor") : null) ??
    childText(n, "aor");
  const name = (nameId ? childText(nameId, "name") : null) ?? childText(n, "name");
  return {
    id,
    aor: aor || null,
    name: name || null,
    sends: texts(n, "send"),
    receives: texts(n, "recv"),
    extensions: extensionsOf(n),
    left: false,
  };
}

function applyStreamAssoc(root: XmlNode, parts: Map<string, MetaParticipant>): void {
  for (const a of childrenOf(root, "participantstreamassoc")) {
    const pid = attrOf(a, "participantid", "participant", "id");
    if (pid === null) continue;
    const p = parts.get(pid) ?? newParticipant(pid);
    parts.set(pid, p);
    p.sends = unique([...p.sends, ...texts(a, "send")]);
    p.receives = unique([...p.receives, ...texts(a, "recv")]);
  }
  for (const a of childrenOf(root, "participantsessionassoc")) {
    const pid = attrOf(a, "participantid", "participant");
    if (pid === null || childrenOf(a, "disassociatetime").length === 0) continue;
    const p = parts.get(pid) ?? newParticipant(pid);
    p.left = true;
    parts.set(pid, p);
  }
}

function newParticipant(id: string): MetaParticipant {
  return { id, aor: null, name: null, sends: [], receives: [], extensions: {}, left: false };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Parse an RFC 7865 metadata document. Throws {@link SipParseError} for XML that
 * does not parse or whose root is not `recording`.
 */
export function parseMetadata(xml: string): RecordingMetadata {
  const root = parseXmlTree(xml);
  if (root.key !== "recording") {
    throw new SipParseError(`Cannot parse recording metadata: root element is "${root.local}"`);
  }
  const mode = (childText(root, "datamode") ?? "complete").trim().toLowerCase();
  const parts = new Map<string, MetaParticipant>();
  for (const n of childrenOf(root, "participant")) {
    const p = readParticipant(n);
    parts.set(p.id, p);
  }
  applyStreamAssoc(root, parts);
  const extensions = extensionsOf(root);
  for (const n of [...childrenOf(root, "group"), ...childrenOf(root, "session")]) {
    for (const [k, v] of Object.entries(extensionsOf(n))) if (!(k in extensions)) extensions[k] = v;
  }
  return {
    dataMode: mode === "partial" ? "partial" : "complete",
    groups: childrenOf(root, "group").map((g) => attrOf(g, "groupid", "id") ?? "").filter(Boolean),
    sessions: childrenOf(root, "session").map((s) => ({
      id: attrOf(s, "sessionid", "id") ?? "",
      sipSessionIds: texts(s, "sipsessionid"),
      groupRef: childText(s, "groupref"),
    })),
    participants: [...parts.values()],
    streams: childrenOf(root, "stream").map((s) => ({
      id: attrOf(s, "streamid", "id") ?? "",
      sessionId: attrOf(s, "sessionid", "session"),
      label: childText(s, "label"),
    })),
    extensions,
  };
}

/** `nameKey` re-exported for callers matching metadata names leniently. */
export { nameKey };

/**
 * Apply an update (RFC 7865 §5: `partial` adds to, `complete` replaces the state).
 * Participants marked `left` are removed.
 */
export function mergeMetadata(
  prev: RecordingMetadata | null,
  next: RecordingMetadata,
): RecordingMetadata {
  if (prev === null || next.dataMode === "complete") {
    return { ...next, participants: next.participants.filter((p) => !p.left) };
  }
  const byId = <T extends { id: string }>(a: T[], b: T[], merge: (x: T, y: T) => T) => {
    const m = new Map(a.map((x) => [x.id, x]));
    for (const y of b) m.set(y.id, m.has(y.id) ? merge(m.get(y.id)!, y) : y);
    return [...m.values()];
  };
  const participants = byId(prev.participants, next.participants, (x, y) => ({
    id: x.id,
    aor: y.aor ?? x.aor,
    name: y.name ?? x.name,
    sends: y.sends.length || y.receives.length ? y.sends : x.sends,
    receives: y.sends.length || y.receives.length ? y.receives : x.receives,
    extensions: { ...x.extensions, ...y.extensions },
    left: y.left,
  })).filter((p) => !p.left);
  return {
    dataMode: "complete",
    groups: unique([...prev.groups, ...next.groups]),
    sessions: byId(prev.sessions, next.sessions, (x, y) => ({ ...x, ...y })),
    participants,
    streams: byId(prev.streams, next.streams, (x, y) => ({ ...x, label: y.label ?? x.label })),
    extensions: { ...prev.extensions, ...next.extensions },
  };
}
