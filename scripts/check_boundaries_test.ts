import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { main } from "./check_boundaries.ts";
import { checkFiles, type RuleName } from "./boundaries/rules.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

/** A small box that keeps every rule. */
const CLEAN: Record<string, string> = {
  "main.ts": `import { run } from "./src/cli/run.ts";\nawait run();\n`,
  "src/log.ts": `export const log = (s: string) => console.log(s);\n`,
  "src/sip/message.ts": `import { log } from "../log.ts";\nimport { X } from "npm:x";\n` +
    `export const parse = (s: string) => { log(s); return /^INVITE/.exec(s); };\n`,
  "src/sip/message_test.ts": `import { parse } from "./message.ts";\n` +
    `import { tone } from "../../tests/helpers/audio.ts";\n`,
  "src/store/db.ts": `import { DatabaseSync } from "node:sqlite";\n` +
    `export const open = () => { const raw = new DatabaseSync(":memory:"); raw.exec("PRAGMA x"); };\n`,
  "src/store/queries/users.ts": `import type { Db } from "../db.ts";\n` +
    `export const users = (db: Db) => db.selectFrom("users").selectAll().execute();\n`,
  "src/store/migrations/0001_initial.ts": `import { type Kysely, sql } from "kysely";\n` +
    "export async function up(db: Kysely<unknown>) { await sql`CREATE TABLE t (a)`.execute(db); }\n",
  "src/store/migrations/mod.ts": `import type { Migration } from "kysely/migration";\n` +
    `import * as m0001 from "./0001_initial.ts";\n`,
  "src/auth/session.ts": `import { users } from "../store/queries/users.ts";\n` +
    `import type { App } from "../app.ts";\nexport const who = users;\n`,
  "src/auth/session_test.ts": `await db.insertInto("users").values({}).execute();\n`,
  "src/app.ts": `import { who } from "./auth/session.ts";\nexport interface App { n: 1 }\n`,
  "src/cli/run.ts": `import { who } from "../auth/session.ts";\nexport const run = () => who;\n`,
  "web/app.ts":
    `import { who } from "../src/auth/session.ts";\nimport { r } from "./routes/a.ts";\n`,
  "web/routes/a.tsx": `import type { App } from "../../src/app.ts";\n` +
    `export const r = () => <p>Don't "quote" me</p>;\n`,
};

/** One file added to (or replacing one of) the clean box, and the rule it must break. */
const BROKEN: [RuleName, string, string][] = [
  ["leaf", "src/rtp/packet.ts", `import { open } from "../store/db.ts";\n`],
  ["leaf", "src/rules/schema.ts", `import type { App } from "../app.ts";\n`],
  ["sql", "src/archive/run.ts", `export const f = (db) => db\n  .selectFrom("recordings");\n`],
  ["sql", "web/routes/b.ts", "import { sql } from 'kysely';\nexport const q = sql`SELECT 1`;\n"],
  ["sql", "src/audit/raw.ts", `export const f = (h) => h.exec("DELETE FROM audit");\n`],
  ["sql", "src/reports/open.ts", `import { DatabaseSync } from "node:sqlite";\n`],
  ["src-imports-web", "src/services.ts", `import type { X } from "../web/app.ts";\n`],
  [
    "migration",
    "src/store/migrations/0002_roles.ts",
    `import { log } from "../../log.ts";\n`,
  ],
  ["cycle", "src/store/queries/users.ts", `import { who } from "../../auth/session.ts";\n`],
];

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
}

async function runOn(files: Record<string, string>): Promise<{ code: number; out: string }> {
  const root = await Deno.makeTempDir({ prefix: "boundaries_" });
  try {
    await writeTree(root, files);
    let out = "";
    const code = await main(root, (t) => out += t);
    return { code, out };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("check_boundaries passes a clean tree and exits 0", FS, async () => {
  const { code, out } = await runOn(CLEAN);
  assert.equal(out, `boundaries ok: ${Object.keys(CLEAN).length} files, no violations\n`);
  assert.equal(code, 0);
});

for (const [rule, path, text] of BROKEN) {
  Deno.test(`check_boundaries fails on rule ${rule}: ${path}`, FS, async () => {
    const { code, out } = await runOn({ ...CLEAN, [path]: text });
    assert.equal(code, 1);
    // A cycle is reported once, under one of its files, listing every import in it.
    const at = rule === "cycle"
      ? `    \\S+ -> \\S+: ${path}:\\d+ imports`
      : `  ${path}:\\d+: \\[${rule}\\] `;
    assert.match(out, new RegExp(`^${at}`, "m"));
    assert.match(out, /^boundary check failed: \d+ violations/m);
    const rules = new Set([...out.matchAll(/^ {2}\S+:\d+: \[([\w-]+)\]/gm)].map((m) => m[1]));
    assert.deepEqual([...rules], [rule], out);
  });
}

Deno.test("a leaf violation names the file, line, import and rule", () => {
  const v = checkFiles([{ path: "src/codec/wav.ts", text: `\nimport { x } from "../app.ts";\n` }]);
  assert.deepEqual(v, [{
    rule: "leaf",
    file: "src/codec/wav.ts",
    line: 2,
    message: `import "../app.ts": leaf src/codec imports src/app.ts, outside itself`,
  }]);
});

Deno.test("type-only and test imports close no cycle; a dynamic import does", () => {
  const a = { path: "src/a/x.ts", text: `import { y } from "../b/y.ts";\n` };
  const typeBack = { path: "src/b/y.ts", text: `import { type X } from "../a/x.ts";\n` };
  const testBack = { path: "src/b/y_test.ts", text: `import { x } from "../a/x.ts";\n` };
  assert.deepEqual(checkFiles([a, typeBack, testBack]), []);
  const dynBack = { path: "src/b/y.ts", text: `const m = await import("../a/x.ts");\n` };
  const v = checkFiles([a, dynBack]);
  assert.equal(v.length, 1);
  assert.equal(v[0].rule, "cycle");
  assert.match(v[0].message, /src\/a -> src\/b: src\/a\/x.ts:1 imports "..\/b\/y.ts"/);
  assert.match(v[0].message, /src\/b -> src\/a: src\/b\/y.ts:1 imports "..\/a\/x.ts"/);
});
