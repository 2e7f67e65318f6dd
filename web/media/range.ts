/**
 * HTTP Range for a single byte range (RFC 9110 §14): `bytes=a-b`, open `bytes=a-` and
 * suffix `bytes=-n`. Several ranges are answered with the whole file (§14.2 lets a server
 * ignore Range), which keeps responses simple and `<audio>` never asks for more than one.
 */

/** The outcome of reading a Range header against a file of `size` bytes. */
export type RangeResult =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const SPEC = /^bytes=(\d*)-(\d*)$/;

/** Parses `header` for a representation of `size` bytes; `end` is inclusive. */
export function parseRange(header: string | undefined | null, size: number): RangeResult {
  if (header === undefined || header === null) return { kind: "full" };
  const text = header.trim();
  if (text.includes(",")) return { kind: "full" };
  const m = SPEC.exec(text);
  if (!m) return { kind: "full" }; // an unknown unit or malformed header is ignored (§14.2)
  const [, a, b] = m;
  if (a === "" && b === "") return { kind: "full" };
  if (a.length > 15 || b.length > 15) return { kind: "unsatisfiable" };
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return { kind: "unsatisfiable" };
  if (b === "") return { kind: "partial", start, end: size - 1 };
  const end = Number(b);
  if (end < start) return { kind: "full" }; // invalid range-spec: ignore the header
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}
