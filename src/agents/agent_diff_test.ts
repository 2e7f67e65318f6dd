import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AgentChange,
  type AgentSource,
  countPlan,
  diffAgents,
  type DirectoryAgent,
  type IncomingAgent,
  planLines,
  planSummary,
} from "./agent_diff.ts";

const dir = (
  id: string,
  unit: number | null,
  more: Partial<DirectoryAgent> = {},
): DirectoryAgent => ({
  agentId: id,
  name: `Agent ${id}`,
  extension: null,
  dn: null,
  orgUnitId: unit,
  source: "csv",
  removed: false,
  ...more,
});
const inc = (a: DirectoryAgent): IncomingAgent => ({
  agentId: a.agentId,
  name: a.name,
  extension: a.extension,
  dn: a.dn,
  orgUnitId: a.orgUnitId,
});
const unitName = (id: number | null) => id === null ? "(no unit)" : `U${id}`;

Deno.test("diffAgents() finds adds, moves, renames, updates, take-overs and removals", () => {
  const current = [
    dir("a", 1),
    dir("b", 1),
    dir("c", 2),
    dir("d", 2), // removed from the file
    dir("e", 2, { source: "ldap" }), // another source's agent: never removed by csv
    dir("f", 3, { removed: true }), // comes back
    dir("g", 3, { source: "manual" }), // taken over by the csv
  ];
  const incoming = [
    inc(dir("a", 1)),
    inc(dir("b", 2)),
    { ...inc(dir("c", 2)), name: "Cee", extension: "2001" },
    inc(dir("f", 1)),
    inc(dir("g", 3)),
    inc(dir("h", null)),
  ];
  const changes = diffAgents(current, incoming, "csv");
  assert.deepEqual(
    changes.map((c) => [c.kind, c.kind === "update" ? c.after.agentId : c.agent.agentId]),
    [
      ["update", "b"],
      ["update", "c"],
      ["remove", "d"],
      ["add", "f"],
      ["update", "g"],
      ["add", "h"],
    ],
  );
  assert.deepEqual(planLines(changes, "csv", unitName), [
    'move    "b"  U1 -> U2',
    'rename  "c"  "Agent c" -> "Cee"',
    'update  "c"  extension (none) -> "2001"',
    'remove  "d"  "Agent d" was in U2',
    'add     "f"  "Agent f" in U1 (returns)',
    'update  "g"  source manual -> csv',
    'add     "h"  "Agent h" in (no unit)',
  ]);
  const counts = countPlan(changes, incoming.length, "csv");
  assert.deepEqual(counts, {
    adds: 2,
    moves: 1,
    renames: 1,
    updates: 2,
    removals: 1,
    unchanged: 1,
  });
  assert.equal(
    planSummary(counts),
    "2 to add, 1 to move, 1 to rename, 2 to update, 1 to remove, 1 unchanged",
  );
});

Deno.test("diffAgents() refuses an id listed twice", () => {
  assert.throws(() => diffAgents([], [inc(dir("a", 1)), inc(dir("a", 2))], "csv"), RangeError);
});

/** The directory after `changes` (what the store's apply does, in memory). */
function apply(current: DirectoryAgent[], changes: AgentChange[], source: AgentSource) {
  const rows = new Map(current.map((a) => [a.agentId, { ...a }]));
  for (const c of changes) {
    if (c.kind === "remove") rows.get(c.agent.agentId)!.removed = true;
    else {
      const a = c.kind === "add" ? c.agent : c.after;
      rows.set(a.agentId, { ...a, source, removed: false });
    }
  }
  return [...rows.values()];
}

Deno.test("diffAgents() applied gives the source exactly the incoming agents, and a second diff is empty", () => {
  const id = fc.constantFrom("a", "b", "c", "d", "e", "f");
  const fields = {
    name: fc.option(fc.constantFrom("Ann", "Bob")),
    extension: fc.option(fc.constantFrom("1", "2")),
    dn: fc.constantFrom(null),
    orgUnitId: fc.option(fc.integer({ min: 1, max: 3 })),
  };
  const current = fc.uniqueArray(
    fc.record({
      agentId: id,
      ...fields,
      source: fc.constantFrom<AgentSource>("csv", "ldap", "manual"),
      removed: fc.boolean(),
    }),
    { selector: (a) => a.agentId },
  );
  const incoming = fc.uniqueArray(fc.record({ agentId: id, ...fields }), {
    selector: (a) => a.agentId,
  });
  const source = fc.constantFrom<AgentSource>("csv", "ldap");
  fc.assert(fc.property(current, incoming, source, (cur, inc, src) => {
    const after = apply(cur, diffAgents(cur, inc, src), src);
    const active = after.filter((a) => a.source === src && !a.removed).map((
      { source: _, removed: __, ...a },
    ) => a)
      .sort((x, y) => x.agentId.localeCompare(y.agentId));
    assert.deepEqual(
      active,
      inc.map((a) => ({ ...a })).sort((x, y) => x.agentId.localeCompare(y.agentId)),
    );
    // Other sources' rows are never removed.
    for (const a of cur.filter((a) => a.source !== src && !a.removed)) {
      assert.ok(after.some((b) => b.agentId === a.agentId && !b.removed));
    }
    assert.deepEqual(diffAgents(after, inc, src), []);
  }));
});
