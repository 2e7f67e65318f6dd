/**
 * A small TypeScript scanner for the boundary check: it blanks comments and the insides of
 * string, template and regex literals (keeping every offset and newline), so the rules can
 * match code with regular expressions, and it lists a file's imports.
 *
 * It is not a parser. Quote and regex literals end at a newline, so a misread JSX text
 * (`<p>Don't</p>`) spoils one line at most.
 *
 * @module
 */

/** One `import`/`export … from`/`import()` of a file. */
export interface ImportRef {
  /** The specifier as written, e.g. `"../log.ts"` or `"kysely"`. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /** True for `import type`, `export type` and `{ type A, type B }`-only clauses. */
  typeOnly: boolean;
  /** `import("…")`. */
  dynamic: boolean;
}

/** Keywords after which a `/` starts a regex literal rather than a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);
const REGEX_AFTER_PUNCT = "(,=:[!&|?{};+-*%<>~^";

function regexMayStart(out: string[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(out[j])) j--;
  if (j < 0) return true;
  if (REGEX_AFTER_PUNCT.includes(out[j])) return true;
  if (!/[\w$]/.test(out[j])) return false;
  let k = j;
  while (k >= 0 && /[\w$]/.test(out[k])) k--;
  return REGEX_AFTER_WORDS.has(out.slice(k + 1, j + 1).join(""));
}

/**
 * Returns `src` with comments and literal contents replaced by spaces. Quotes, backticks,
 * regex slashes, `${`/`}` of template substitutions and all newlines are kept, so offsets
 * and line numbers match the original.
 */
export function maskSource(src: string): string {
  const out = src.split("");
  const blank = (i: number) => {
    if (out[i] !== "\n") out[i] = " ";
  };
  // Each entry counts open braces inside one `${ … }` of a template literal.
  const templateDepth: number[] = [];
  let i = 0;
  const n = src.length;
  const template = () => {
    // At the char after an opening backtick or after the `}` ending a substitution.
    while (i < n) {
      const c = src[i];
      if (c === "\\") {
        blank(i++);
        if (i < n) blank(i++);
      } else if (c === "`") {
        i++;
        return;
      } else if (c === "$" && src[i + 1] === "{") {
        i += 2;
        templateDepth.push(0);
        return;
      } else blank(i++);
    }
  };
  while (i < n) {
    const c = src[i];
    const next = src[i + 1];
    if (c === "/" && next === "/") {
      while (i < n && src[i] !== "\n") blank(i++);
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      while (i < stop) blank(i++);
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\" && src[i + 1] !== "\n") blank(i++);
        blank(i++);
      }
      i++;
    } else if (c === "`") {
      i++;
      template();
    } else if (c === "/" && regexMayStart(out, i)) {
      i++;
      let inClass = false;
      while (i < n && src[i] !== "\n" && (inClass || src[i] !== "/")) {
        if (src[i] === "\\" && src[i + 1] !== "\n") blank(i++);
        else if (src[i] === "[") inClass = true;
        else if (src[i] === "]") inClass = false;
        blank(i++);
      }
      i++;
    } else if (c === "{" && templateDepth.length > 0) {
      templateDepth[templateDepth.length - 1]++;
      i++;
    } else if (c === "}" && templateDepth.length > 0) {
      i++;
      if (templateDepth[templateDepth.length - 1]-- === 0) {
        templateDepth.pop();
        template();
      }
    } else i++;
  }
  return out.join("");
}

/** 1-based line number of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const NAME = String.raw`[\w$]+`;
const BRACES = String.raw`\{[^}]*\}`;
const IMPORT_CLAUSE = String
  .raw`(?:\*\s*as\s+${NAME}|${BRACES}|${NAME}(?:\s*,\s*(?:\*\s*as\s+${NAME}|${BRACES}))?)`;
const EXPORT_CLAUSE = String.raw`(?:\*(?:\s*as\s+${NAME})?|${BRACES})`;
/** Groups: 1 keyword, 2 `type`, 3 clause; the match ends on the opening quote. */
const STATIC_RE = new RegExp(
  String.raw`(?<![\w$.])(import|export)\s+(type\s+)?(` +
    `${IMPORT_CLAUSE}|${EXPORT_CLAUSE}` +
    String.raw`)\s*from\s*["']`,
  "g",
);
const SIDE_EFFECT_RE = /(?<![\w$.])import\s*["']/g;
const DYNAMIC_RE = /(?<![\w$.])import\s*\(\s*["'`]/g;

/** True when a clause names only `type` members: `{ type A, type B }`. */
function onlyTypeMembers(clause: string): boolean {
  if (!clause.startsWith("{")) return false;
  const members = clause.slice(1, -1).split(",").map((m) => m.trim()).filter(Boolean);
  return members.length > 0 && members.every((m) => /^type\s/.test(m));
}

/** The literal whose opening quote is at `quoteAt` in `src` (no escapes in specifiers). */
function literalAt(src: string, quoteAt: number): string {
  const q = src[quoteAt];
  const end = src.indexOf(q, quoteAt + 1);
  return src.slice(quoteAt + 1, end < 0 ? undefined : end);
}

/** Lists the imports of a TypeScript file (static, re-exports, side-effect and `import()`). */
export function parseImports(src: string, masked = maskSource(src)): ImportRef[] {
  const found: { at: number; ref: ImportRef }[] = [];
  const add = (quoteAt: number, typeOnly: boolean, dynamic: boolean) => {
    const line = lineAt(src, quoteAt);
    found.push({
      at: quoteAt,
      ref: { specifier: literalAt(src, quoteAt), line, typeOnly, dynamic },
    });
  };
  for (const m of masked.matchAll(STATIC_RE)) {
    const typeOnly = m[2] !== undefined || onlyTypeMembers(m[3]);
    add(m.index + m[0].length - 1, typeOnly, false);
  }
  for (const m of masked.matchAll(SIDE_EFFECT_RE)) add(m.index + m[0].length - 1, false, false);
  for (const m of masked.matchAll(DYNAMIC_RE)) add(m.index + m[0].length - 1, false, true);
  return found.sort((a, b) => a.at - b.at).map((f) => f.ref);
}
