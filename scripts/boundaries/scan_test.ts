import assert from "node:assert/strict";
import { maskSource, parseImports } from "./scan.ts";

Deno.test("maskSource() blanks comments and literals but keeps offsets and newlines", () => {
  const src = [
    `const a = "x.selectFrom(y)"; // .insertInto(`,
    `/* sql\`x\` */ const b = 'it''s';`,
    "const c = `a ${d.selectFrom(`t`)} b`;",
    `const r = /\\/import "x"/.exec(s);`,
  ].join("\n");
  const masked = maskSource(src);
  assert.equal(masked.length, src.length);
  assert.equal(masked.split("\n").length, 4);
  assert.doesNotMatch(masked, /insertInto|sql`|import "x"/);
  assert.equal(masked.match(/selectFrom/g)?.length, 1, "the one inside ${} is code");
});

Deno.test("maskSource() tells a division from a regex literal", () => {
  const masked = maskSource(`const x = (a + b) / 2; const y = c / d; f(/"/); g("/");`);
  assert.match(masked, /\(a \+ b\) \/ 2; const y = c \/ d; f\(\/ \/\); g\(" "\);/);
});

Deno.test("parseImports() finds static, re-export, side-effect and dynamic imports", () => {
  const src = [
    `import a from "./a.ts";`,
    `import { b, c } from "../b.ts";`,
    `import * as d from "./d.ts";`,
    `import e, { f } from "./e.ts";`,
    `import "./side.ts";`,
    `export { g } from "./g.ts";`,
    `export * from "./h.ts";`,
    `const m = await import("./lazy.ts");`,
    `// import { no } from "./comment.ts";`,
    `const s = 'import { no } from "./string.ts"';`,
    `console.log(import.meta.url);`,
  ].join("\n");
  assert.deepEqual(parseImports(src).map((i) => [i.specifier, i.line, i.typeOnly, i.dynamic]), [
    ["./a.ts", 1, false, false],
    ["../b.ts", 2, false, false],
    ["./d.ts", 3, false, false],
    ["./e.ts", 4, false, false],
    ["./side.ts", 5, false, false],
    ["./g.ts", 6, false, false],
    ["./h.ts", 7, false, false],
    ["./lazy.ts", 8, false, true],
  ]);
});

Deno.test("parseImports() marks type-only imports", () => {
  const src = [
    `import type { A } from "./a.ts";`,
    `import { type B, type C } from "./b.ts";`,
    `import { type D, e } from "./d.ts";`,
    `export type { F } from "./f.ts";`,
    `import {\n  type G,\n  type H,\n} from "./g.ts";`,
  ].join("\n");
  assert.deepEqual(parseImports(src).map((i) => [i.specifier, i.typeOnly]), [
    ["./a.ts", true],
    ["./b.ts", true],
    ["./d.ts", false],
    ["./f.ts", true],
    ["./g.ts", true],
  ]);
});
