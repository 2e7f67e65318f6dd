/**
 * The boundary rules of selrec, over a list of source files (path relative to the repo
 * root, text). See scripts/check_boundaries.ts for what each rule means and why.
 *
 * @module
 */
import { posix } from "node:path";
import { type ImportRef, lineAt, maskSource, parseImports } from "./scan.ts";

/** A rule's name as printed. */
export type RuleName = "leaf" | "sql" | "src-imports-web" | "migration" | "cycle";

/** The order rules are reported in, with a one-line meaning each. */
export const RULES: Record<RuleName, string> = {
  "leaf":
    "src/sip, src/rtp, src/codec, src/rules, src/seal and src/net import only themselves, src/log.ts and src/net",
  "sql": "SQL is built only under src/store (kysely builders, sql``, .exec/.prepare, node:sqlite)",
  "src-imports-web": "nothing under src/ imports from web/",
  "migration": "a migration imports only kysely and other migrations",
  "cycle": "no value-import cycle between folders",
};

/** One broken rule. */
export interface Violation {
  rule: RuleName;
  /** Repo-relative path, e.g. `src/rtp/packet.ts`. */
  file: string;
  line: number;
  message: string;
}

/** A file to check; `path` is repo-relative with `/` separators. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Leaf folders: pure protocol and rule code. */
export const LEAVES = ["src/sip", "src/rtp", "src/codec", "src/rules", "src/net", "src/seal"];
/** Files (and, ending in `/`, folders) every leaf may import: logging, errors, addresses. */
export const LEAF_SHARED = ["src/log.ts", "src/errors.ts", "src/net/"];

function leafShared(target: string | null | undefined): boolean {
  return target != null &&
    LEAF_SHARED.some((s) => s.endsWith("/") ? target.startsWith(s) : target === s);
}
const STORE = "src/store/";
const MIGRATIONS = "src/store/migrations/";

/** Tests and test helpers: `*_test.ts(x)` and `*test_util.ts`. */
export function isTestFile(path: string): boolean {
  return /_test\.tsx?$/.test(path) || /test_util\.tsx?$/.test(path);
}

/**
 * The cycle graph's node for a file: `src/<folder>` and `web/<folder>` for files in a
 * folder, the file itself for top-level files (`src/app.ts`, `src/log.ts`, `web/app.ts`,
 * `main.ts`).
 */
export function nodeOf(path: string): string {
  const parts = path.split("/");
  return (parts[0] === "src" || parts[0] === "web") && parts.length > 2
    ? `${parts[0]}/${parts[1]}`
    : path;
}

/** The repo-relative target of a relative specifier, or null for packages (`kysely`, `node:fs`). */
export function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return null;
  return posix.normalize(posix.join(posix.dirname(from), specifier));
}

const BUILDER_RE =
  /\.\s*(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto)\s*\(/g;
const SQL_TAG_RE =
  /(?<![\w$.])sql\s*(?:<[^>`]*>\s*)?`|(?<![\w$.])sql\s*\.\s*(raw|ref|lit|id|join|table|val)\s*\(/g;
const HANDLE_CALL_RE = /([\w$]+)\s*\.\s*(exec|prepare)\s*\(\s*(["'`])?/g;
const HANDLE_NAMES = /^(db|raw|rawDb|sqlite|database|conn|connection|handle)$/;
const SQL_WORD =
  /^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|CREATE|DROP|ALTER|BEGIN|COMMIT|ROLLBACK|WITH|VACUUM|ANALYZE|ATTACH|SAVEPOINT|RELEASE)\b/i;

function sqlViolations(file: SourceFile, masked: string): Violation[] {
  const out: Violation[] = [];
  const add = (at: number, what: string) =>
    out.push({
      rule: "sql",
      file: file.path,
      line: lineAt(file.text, at),
      message: `SQL built outside src/store: ${what}`,
    });
  for (const m of masked.matchAll(BUILDER_RE)) add(m.index, `.${m[1]}(`);
  for (const m of masked.matchAll(SQL_TAG_RE)) add(m.index, m[1] ? `sql.${m[1]}(` : "sql`…`");
  for (const m of masked.matchAll(HANDLE_CALL_RE)) {
    const quoted = m[3] !== undefined
      ? SQL_WORD.test(file.text.slice(m.index + m[0].length, m.index + m[0].length + 40))
      : false;
    if (HANDLE_NAMES.test(m[1]) || quoted) add(m.index, `${m[1]}.${m[2]}(`);
  }
  return out.sort((a, b) => a.line - b.line);
}

function importViolations(file: SourceFile, imports: ImportRef[]): Violation[] {
  const out: Violation[] = [];
  const leaf = LEAVES.find((l) => file.path.startsWith(l + "/"));
  const test = isTestFile(file.path);
  for (const imp of imports) {
    const target = resolveImport(file.path, imp.specifier);
    const v = (rule: RuleName, message: string) =>
      out.push({ rule, file: file.path, line: imp.line, message });
    const what = `${imp.typeOnly ? "type import" : "import"} "${imp.specifier}"`;
    const shared = leafShared(target) || (test && target?.startsWith("tests/"));
    if (leaf && target && !target.startsWith(leaf + "/") && !shared) {
      v("leaf", `${what}: leaf ${leaf} imports ${target}, outside itself`);
    }
    if (file.path.startsWith("src/") && target?.startsWith("web/")) {
      v("src-imports-web", `${what}: src/ imports web/ (${target})`);
    }
    if (
      imp.specifier === "node:sqlite" && !file.path.startsWith(STORE) && !test && !imp.typeOnly
    ) {
      v("sql", `${what}: a SQLite handle opened outside src/store`);
    }
    if (file.path.startsWith(MIGRATIONS) && !test) {
      const ok = imp.specifier === "kysely" || imp.specifier.startsWith("kysely/") ||
        (target?.startsWith(MIGRATIONS) ?? false);
      if (!ok) v("migration", `${what}: a shipped migration imports live code`);
    }
  }
  return out;
}

/** An edge of the folder graph with the first import that makes it. */
interface Edge {
  from: string;
  to: string;
  file: string;
  line: number;
  specifier: string;
}

/** Strongly connected components with more than one node (Tarjan). */
export function cycles(nodes: Iterable<string>, next: (n: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const n of [...nodes].sort()) if (!index.has(n)) visit(n);
  return found;
}

function cycleViolations(edges: Edge[]): Violation[] {
  const byFrom = new Map<string, Edge[]>();
  for (const e of edges) byFrom.set(e.from, [...(byFrom.get(e.from) ?? []), e]);
  const nodes = new Set(edges.flatMap((e) => [e.from, e.to]));
  const next = (n: string) => (byFrom.get(n) ?? []).map((e) => e.to).sort();
  return cycles(nodes, next).map((scc) => {
    const members = new Set(scc);
    const inside = edges.filter((e) => members.has(e.from) && members.has(e.to))
      .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    const lines = inside.map((e) =>
      `    ${e.from} -> ${e.to}: ${e.file}:${e.line} imports "${e.specifier}"`
    );
    return {
      rule: "cycle" as const,
      file: inside[0].file,
      line: inside[0].line,
      message: `value imports form a cycle between ${scc.join(", ")}:\n${lines.join("\n")}`,
    };
  });
}

/** Checks every rule over `files`; violations in rule order, then by file and line. */
export function checkFiles(files: SourceFile[]): Violation[] {
  const out: Violation[] = [];
  const edges = new Map<string, Edge>();
  for (const file of files) {
    const masked = maskSource(file.text);
    const imports = parseImports(file.text, masked);
    out.push(...importViolations(file, imports));
    if (isTestFile(file.path)) continue;
    if (!file.path.startsWith(STORE)) out.push(...sqlViolations(file, masked));
    for (const imp of imports) {
      const target = resolveImport(file.path, imp.specifier);
      if (imp.typeOnly || !target) continue;
      const from = nodeOf(file.path);
      const to = nodeOf(target);
      const key = `${from}\n${to}`;
      if (from !== to && !edges.has(key)) {
        edges.set(key, { from, to, file: file.path, line: imp.line, specifier: imp.specifier });
      }
    }
  }
  out.push(...cycleViolations([...edges.values()]));
  const order = Object.keys(RULES);
  return out.sort((a, b) =>
    order.indexOf(a.rule) - order.indexOf(b.rule) || a.file.localeCompare(b.file) ||
    a.line - b.line
  );
}
