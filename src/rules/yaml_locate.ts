/**
 * Maps zod issue paths to line:col positions in a parsed YAML document.
 *
 * @module
 */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  type Scalar,
  visit,
} from "yaml";

/** A 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

/** Keys whose values are text even when YAML reads them as numbers or booleans. */
const TEXT_KEYS = new Set([
  "id",
  "description",
  "equals",
  "in",
  "prefix",
  "regex",
  "retention",
  "partitions",
  "partitionsKey",
  "partitionsSeparator",
]);

/**
 * Rewrites plain scalars under text keys to their source text, so that `dn: 0800` stays
 * "0800" and `ani: +44…` keeps its plus sign instead of becoming a number.
 */
export function keepTextScalars(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || !TEXT_KEYS.has(String(pair.key.value))) return;
      const v = pair.value;
      if (isScalar(v)) asText(v);
      else if (isSeq(v)) { for (const item of v.items) if (isScalar(item)) asText(item); }
    },
  });
}

function asText(s: Scalar): void {
  const source = (s as Scalar & { source?: string }).source;
  if (s.type === "PLAIN" && s.value !== null && typeof s.value !== "string" && source) {
    s.value = source;
  }
}

function findPair(map: Node, key: PropertyKey): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as
    | Pair
    | undefined;
}

/**
 * Finds the position of `path` in `doc`: the value at the path, or the deepest existing
 * ancestor when the path runs out (e.g. a missing required key). When `key` is given
 * (an unrecognized key), the position of that key inside the found mapping.
 */
export function locate(
  doc: Document,
  lc: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): Position {
  let node = doc.contents as Node | null;
  let range = node?.range;
  for (const seg of path) {
    if (!node) break;
    if (isMap(node)) {
      if (typeof seg === "number") continue; // a single mapping accepted as a one-item list
      const pair = findPair(node, seg);
      if (!pair) break;
      const value = pair.value as Node | null;
      range = value?.range ?? (pair.key as Node).range;
      node = value;
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
      node = node.items[seg] as Node;
      range = node.range;
    } else break;
  }
  if (key !== undefined && node) {
    const pair = findPair(node, key);
    if (pair) range = (pair.key as Node).range;
  }
  return lc.linePos(range?.[0] ?? 0);
}

/** Formats a zod path as `rules[2].when.all[0].regex`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    out += typeof seg === "number" ? `[${seg}]` : `${out === "" ? "" : "."}${String(seg)}`;
  }
  return out || "(file)";
}
