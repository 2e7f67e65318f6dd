/**
 * XML → a small namespace-resolved element tree, built on fast-xml-parser (never
 * regexes). Child order across different element names is not kept: the RFC 7865
 * model does not depend on it.
 */
import { XMLParser } from "fast-xml-parser";
import { SipParseError } from "./message.ts";

/** One element with its namespace resolved from xmlns declarations in scope. */
export interface XmlNode {
  /** Local name as written, without prefix. */
  local: string;
  /** Lowercased local name without `-`/`_`, for lenient matching (`dataMode`, `data-mode`). */
  key: string;
  ns: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlNode[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  isArray: (_name: string, _jpath: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  htmlEntities: false,
});

/** Normalize a name for lenient matching: lowercase, no `-` or `_`. */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

function localOf(qname: string): { prefix: string; local: string } {
  const i = qname.indexOf(":");
  return i < 0
    ? { prefix: "", local: qname }
    : { prefix: qname.slice(0, i), local: qname.slice(i + 1) };
}

function build(qname: string, raw: Record<string, unknown>, scope: Map<string, string>): XmlNode {
  const attrs: Record<string, string> = {};
  const inner = new Map(scope);
  for (const [k, v] of Object.entries(raw)) {
    if (!k.startsWith("@_")) continue;
    const name = k.slice(2);
    if (name === "xmlns") inner.set("", String(v));
    else if (name.startsWith("xmlns:")) inner.set(name.slice(6), String(v));
    else attrs[localOf(name).local] = String(v);
  }
  const { prefix, local } = localOf(qname);
  const children: XmlNode[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith("@_") || k === "#text" || k.startsWith("?") || !Array.isArray(v)) continue;
    for (const child of v) {
      if (child && typeof child === "object") {
        children.push(build(k, child as Record<string, unknown>, inner));
      }
    }
  }
  const text = typeof raw["#text"] === "string" || typeof raw["#text"] === "number"
    ? String(raw["#text"])
    : "";
  return { local, key: nameKey(local), ns: inner.get(prefix) ?? "", attrs, text, children };
}

/** Parse an XML document and return its root element. */
export function parseXmlTree(xml: string): XmlNode {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (error) {
    const msg = error instanceof Error ? error.message : String(error);
    throw new SipParseError(`Cannot parse XML: "${msg.slice(0, 120)}"`);
  }
  const roots = Object.entries(doc).filter(([k, v]) => !k.startsWith("?") && Array.isArray(v));
  if (roots.length !== 1 || (roots[0][1] as unknown[]).length !== 1) {
    throw new SipParseError("Cannot parse XML: expected exactly one root element");
  }
  const [qname, [root]] = roots[0] as [string, Record<string, unknown>[]];
  return build(qname, root, new Map());
}

/** Children whose lenient name matches `key` (already normalized by {@link nameKey}). */
export function childrenOf(node: XmlNode, key: string): XmlNode[] {
  return node.children.filter((c) => c.key === key);
}

/** Text of the first matching child, or null. */
export function childText(node: XmlNode, key: string): string | null {
  const c = node.children.find((x) => x.key === key);
  return c ? c.text : null;
}

/** First attribute whose lenient name is one of `keys`, or null. */
export function attrOf(node: XmlNode, ...keys: string[]): string | null {
  for (const key of keys) {
    for (const [k, v] of Object.entries(node.attrs)) if (nameKey(k) === key) return v;
  }
  return null;
}
