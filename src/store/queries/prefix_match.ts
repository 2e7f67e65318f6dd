/**
 * Prefix matching for search: the SQL range that an index serves, and its twin in
 * TypeScript for lists resolved before the query (a viewer's agents). SQLite's NOCASE
 * folds ASCII letters only, and so does {@link foldAscii}.
 */
import { sql, type SqlBool } from "kysely";

/** Above every code point: `p || PREFIX_END` bounds the strings that start with `p`. */
export const PREFIX_END = "\u{10FFFF}";

/**
 * SQL: `col` starts with `p`, in the column's NOCASE (or binary) index order. `scan`
 * writes the column as `+col`, so SQLite tests rows instead of using its index.
 */
export function startsWith(col: string, p: string, nocase: boolean, scan = false) {
  const c = nocase ? sql` COLLATE NOCASE` : sql``;
  const ref = scan ? sql`+${sql.ref(col)}` : sql.ref(col);
  return sql<SqlBool>`(${ref} >= ${p}${c} AND ${ref} < ${p + PREFIX_END}${c})`;
}

/** `s` with ASCII capitals lowered, as SQLite's NOCASE collation compares it. */
export function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether `id` starts with `p` ignoring ASCII case: {@link startsWith} with NOCASE. */
export function startsWithNoCase(id: string, p: string): boolean {
  return foldAscii(id).startsWith(foldAscii(p));
}

/** A typed number without its formatting (spaces, dashes, dots, parentheses). */
export function numberPrefix(text: string): string {
  return text.replace(/[\s\-.()]/g, "");
}

/** The number prefixes to match: as typed, and with a leading `+` when typed without one. */
export function numberPrefixes(typed: string): string[] {
  const p = numberPrefix(typed);
  return p.startsWith("+") ? [p] : [p, `+${p}`];
}
