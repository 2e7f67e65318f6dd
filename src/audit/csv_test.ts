import assert from "node:assert/strict";
import fc from "fast-check";
import { csvLine, defuseFormula, parseCsv, restoreFormula, safeCsvLine } from "./csv.ts";

Deno.test("csvLine() and parseCsv() round-trip NULL, empty, quotes, commas and newlines", () => {
  const cells = [null, "", 'say "hi"', "a,b", "two\r\nlines", " pad ", "plain", "7"];
  const text = csvLine(cells) + csvLine(["x", null]);
  assert.equal(text.slice(0, 4), ',"",');
  assert.deepEqual(parseCsv(text), [cells, ["x", null]]);
});

Deno.test("parseCsv() rejects malformed quoting with the line number", () => {
  assert.throws(() => parseCsv('a,b\r\nc,d"e\r\n'), {
    name: "SyntaxError",
    message: "Cannot parse CSV line 2: quote inside an unquoted field",
  });
  assert.throws(() => parseCsv('"a"x\r\n'), /line 1: unexpected "x" after a field/);
  assert.throws(() => parseCsv('"abc'), /unterminated quoted field/);
  assert.throws(() => parseCsv("a\rb"), /unexpected "\r" after a field/);
});

Deno.test("defuseFormula() neutralizes spreadsheet formulas only", () => {
  assert.equal(defuseFormula("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  assert.equal(defuseFormula("-3"), "'-3");
  assert.equal(defuseFormula(-3), -3);
  assert.equal(defuseFormula("sales"), "sales");
});

Deno.test("defuseFormula() is undone by restoreFormula() for any text, and leaves no formula", () => {
  assert.equal(defuseFormula("'=x"), "''=x");
  assert.equal(defuseFormula("''"), "'''");
  assert.equal(defuseFormula("'abc"), "'abc");
  assert.equal(restoreFormula("'abc"), "'abc");
  assert.equal(restoreFormula(null), null);
  const text = fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom("=", "+", "-", "@", "\t", "\r", "'", "''"), fc.string())
      .map(([a, b]) => a + b),
  );
  fc.assert(fc.property(text, (v) => {
    const line = safeCsvLine([v, null, 7]);
    const [cells] = parseCsv(line);
    assert.ok(!/^[=+\-@\t\r]/.test(cells[0]!), `"${cells[0]}" is a formula`);
    assert.deepEqual(cells.map(restoreFormula), [v, null, "7"]);
  }));
});
