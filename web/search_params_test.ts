import assert from "node:assert/strict";
import { errorLine, PAGE_SIZE, parseSearch } from "./search_params.ts";
import { encodeCursor } from "../src/store/queries/recordings.ts";

Deno.test("parseSearch() names each invalid field and returns no filter", () => {
  const r = parseSearch({ from: "2026-13-45", min_s: "abc", hold: "maybe", agent: "ag1" });
  assert.deepEqual(r.errors.map((e) => e.field).sort(), ["from", "hold", "min_s"]);
  assert.match(errorLine(r.errors), /from: "2026-13-45" is not a date \(YYYY-MM-DD\)/);
  assert.match(errorLine(r.errors), /min_s: "abc" is not a whole number of seconds/);
  assert.deepEqual(r.filter, {});
  assert.equal(r.q.agent, "ag1", "the form keeps what was typed");
});

Deno.test("parseSearch() rejects a day that does not exist and a backwards range", () => {
  assert.equal(parseSearch({ from: "2026-02-30" }).errors[0].field, "from");
  const back = parseSearch({ from: "2026-11-02", to: "2026-11-01" });
  assert.deepEqual(back.errors, [{ field: "to", message: "before from" }]);
  assert.equal(parseSearch({ min_s: "20", max_s: "10" }).errors[0].field, "max_s");
  assert.equal(parseSearch({ min_mos: "5" }).errors[0].field, "min_mos");
  assert.equal(parseSearch({ number: "12ab" }).errors[0].field, "number");
  assert.equal(parseSearch({ meta: "campaign" }).errors[0].field, "meta");
  assert.equal(parseSearch({ sort: "password" }).errors[0].field, "sort");
  assert.equal(parseSearch({ dir: "up" }).errors[0].field, "dir");
  assert.equal(parseSearch({ after: "!!" }).errors[0].field, "after");
  assert.equal(parseSearch({ page: "99999" }).errors[0].field, "page");
  assert.equal(parseSearch({ agent: "x".repeat(201) }).errors[0].field, "agent");
});

Deno.test("parseSearch() turns valid fields into the filter, sort and page", () => {
  const r = parseSearch({
    from: "2026-11-01",
    to: "2026-11-30",
    agent: " Ag1 ",
    number: "+1 (555) 12-3",
    bu: "sales",
    min_s: "30",
    max_mos: "3.6",
    paused: "yes",
    hold: "no",
    interrupted: "",
    meta: "campaign=camp7; UCID = U1",
    sort: "duration",
    dir: "asc",
    page: "2",
  });
  assert.deepEqual(r.errors, []);
  assert.equal(r.filter.from, "2026-11-01T00:00:00.000Z");
  assert.equal(r.filter.to, "2026-12-01T00:00:00.000Z", "to is inclusive of its day");
  assert.equal(r.filter.agentId, "Ag1");
  assert.equal(r.filter.number, "+1555123");
  assert.equal(r.filter.businessUnit, "sales");
  assert.equal(r.filter.minDurationMs, 30_000);
  assert.equal(r.filter.maxMos, 3.6);
  assert.equal(r.filter.paused, true);
  assert.equal(r.filter.legalHold, false);
  assert.equal(r.filter.interrupted, undefined, "an empty field is absent");
  assert.deepEqual(r.filter.metadata, [{ key: "campaign", value: "camp7" }, {
    key: "UCID",
    value: "U1",
  }]);
  assert.deepEqual(r.sort, { key: "duration", dir: "asc" });
  assert.equal(r.offset, 2 * PAGE_SIZE);
  assert.equal("interrupted" in r.q, false);
});

Deno.test("parseSearch() defaults: newest first; a sort key picks its natural direction", () => {
  assert.deepEqual(parseSearch({}).sort, { key: "started", dir: "desc" });
  assert.deepEqual(parseSearch({ sort: "agent" }).sort, { key: "agent", dir: "asc" });
  const after = encodeCursor({ startedAt: "2026-11-01T00:00:00.000Z", id: "r1" });
  assert.deepEqual(parseSearch({ after }).after, {
    startedAt: "2026-11-01T00:00:00.000Z",
    id: "r1",
  });
});
