/**
 * `deno run --allow-read scripts/check_boundaries.ts [ROOT]`: checks the import and SQL
 * boundaries of the box and exits 1 listing every violation (file:line, rule, import),
 * else prints one "ok" line and exits 0. Part of `deno task ok` and of CI.
 *
 * What is checked: `main.ts`, `box.ts` (the composition root) and every `.ts`/`.tsx` under
 * `src/` and `web/`. `tests/` and `scripts/` (integration tests, benches, this script) are
 * not part of the box and are not read.
 *
 * The rules (scripts/boundaries/rules.ts):
 * - leaf: a file in src/sip, src/rtp, src/codec, src/rules, src/seal or src/net imports no other file of the
 *   repo outside its own folder, except src/log.ts, src/net/ (address parsing) and
 *   src/errors.ts, should one exist.
 *   Type imports count too, and so do the leaf's tests, which may also use the shared
 *   test helpers under tests/. Packages (`npm:`, `node:`) are allowed.
 * - sql: outside src/store no code builds SQL: kysely's `.selectFrom( .insertInto(
 *   .replaceInto( .updateTable( .deleteFrom( .mergeInto(`, the `sql` template tag and
 *   `sql.raw/ref/lit/id/join/table/val(`, `.exec(`/`.prepare(` on a handle named like a
 *   database (db, raw, sqlite, database, conn, connection, handle) or with a string that
 *   starts with an SQL word, and value imports of `node:sqlite`. Tests and test helpers
 *   (`*_test.ts`, `*test_util.ts`) are exempt: they seed fixtures.
 * - src-imports-web: no file under src/ (tests included) imports from web/, type imports
 *   included; web/ depends on src/, never the reverse.
 * - migration: files under src/store/migrations import only `kysely`, `kysely/…` and each
 *   other, so a shipped migration never changes when live code does.
 * - cycle: no cycle of value imports between nodes, where a node is a folder under src/
 *   or web/ (`src/recorder`, `web/routes`), or a top-level file on its own (`src/app.ts`,
 *   `src/log.ts`, `web/app.ts`, `main.ts`): top-level files are the shared base (config,
 *   log, metrics) or the wiring, and grouping them would join everything into one circle.
 *   `import type`, `export type` and `{ type A }`-only imports are erased at run time and
 *   do not count; `import()` does. Tests are left out (a test may import across folders).
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFiles, RULES, type SourceFile, type Violation } from "./boundaries/rules.ts";

/** Top-level entries that make up the box. */
const SCANNED = ["main.ts", "box.ts", "src", "web"];

async function walk(dir: string, into: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) await walk(path, into);
    else if (e.isFile && /\.tsx?$/.test(e.name)) into.push(path);
  }
}

/** Reads the box's source files under `root`, sorted by path. */
export async function collectFiles(root: string): Promise<SourceFile[]> {
  const paths: string[] = [];
  for (const entry of SCANNED) {
    const full = join(root, entry);
    const stat = await Deno.stat(full).catch(() => null);
    if (stat?.isDirectory) await walk(full, paths);
    else if (stat?.isFile) paths.push(full);
  }
  const files = await Promise.all(paths.map(async (p) => ({
    path: relative(root, p).split(sep).join("/"),
    text: await Deno.readTextFile(p),
  })));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The report: violations grouped by rule, then a summary line. */
export function formatReport(violations: Violation[], fileCount: number): string {
  if (violations.length === 0) return `boundaries ok: ${fileCount} files, no violations\n`;
  const lines: string[] = [];
  const counts: string[] = [];
  for (const [rule, meaning] of Object.entries(RULES)) {
    const mine = violations.filter((v) => v.rule === rule);
    if (mine.length === 0) continue;
    counts.push(`${rule} ${mine.length}`);
    lines.push(`[${rule}] ${meaning}: ${mine.length}`);
    for (const v of mine) lines.push(`  ${v.file}:${v.line}: [${rule}] ${v.message}`);
    lines.push("");
  }
  lines.push(
    `boundary check failed: ${violations.length} violations in ${fileCount} files (${
      counts.join(", ")
    })`,
  );
  return lines.join("\n") + "\n";
}

/** Checks the tree at `root`; returns the exit code after printing the report. */
export async function main(root: string, write: (text: string) => void): Promise<number> {
  const files = await collectFiles(root);
  const violations = checkFiles(files);
  write(formatReport(violations, files.length));
  return violations.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? fileURLToPath(new URL("..", import.meta.url));
  const enc = new TextEncoder();
  Deno.exit(await main(root, (t) => Deno.stdout.writeSync(enc.encode(t))));
}
