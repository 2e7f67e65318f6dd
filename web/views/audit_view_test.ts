import assert from "node:assert/strict";
import { detailEntries, detailText } from "./audit_view.tsx";

Deno.test("detailEntries() turns the details JSON into key/value text, never raw JSON", () => {
  assert.deepEqual(
    detailEntries(JSON.stringify({
      before: ["a", "b"],
      after: [],
      filter: { agent: "ag1", from: "2026-01-01" },
      rows: 3,
      gone: null,
    })),
    [
      ["before", "a, b"],
      ["after", "(none)"],
      ["filter", "agent: ag1; from: 2026-01-01"],
      ["rows", "3"],
      ["gone", "–"],
    ],
  );
  assert.deepEqual(detailEntries("{}"), []);
  assert.deepEqual(detailEntries("[1,2]"), [["value", "1, 2"]]);
  assert.deepEqual(detailEntries("not json"), [["text", "not json"]]);
  assert.deepEqual(detailEntries(""), []);
});

Deno.test("detailText() cuts a long value to 160 characters with an ellipsis", () => {
  const long = detailText("x".repeat(500));
  assert.equal(long.length, 160);
  assert.ok(long.endsWith("…"));
  assert.equal(detailText({ a: { b: [1, true] } }), "a: b: 1, true");
});
