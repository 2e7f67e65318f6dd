import assert from "node:assert/strict";
import { parseRange } from "./range.ts";

Deno.test("parseRange() reads closed, open and suffix ranges", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), { kind: "partial", start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=500-", 1000), { kind: "partial", start: 500, end: 999 });
  assert.deepEqual(parseRange("bytes=-100", 1000), { kind: "partial", start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-5000", 1000), { kind: "partial", start: 0, end: 999 });
  assert.deepEqual(parseRange("bytes=990-2000", 1000), { kind: "partial", start: 990, end: 999 });
});

Deno.test("parseRange() answers unsatisfiable past the end and for an empty suffix", () => {
  assert.deepEqual(parseRange("bytes=1000-", 1000), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 1000), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=99999999999999999-", 10), { kind: "unsatisfiable" });
});

Deno.test("parseRange() ignores absent, malformed, multi and other-unit headers", () => {
  for (
    const h of [undefined, "", "bytes=", "bytes=a-b", "items=0-1", "bytes=0-1,5-6", "bytes=9-3"]
  ) {
    assert.deepEqual(parseRange(h, 1000), { kind: "full" }, String(h));
  }
});
