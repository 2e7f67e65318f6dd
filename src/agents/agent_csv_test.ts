import assert from "node:assert/strict";
import fc from "fast-check";
import {
  AGENT_CSV_COLUMNS,
  AgentCsvError,
  type AgentCsvRow,
  hasControlCharacter,
  parseAgentCsv,
  serializeAgentCsv,
} from "./agent_csv.ts";

const strip = (rows: AgentCsvRow[]) => rows.map(({ line: _, ...r }) => r);

function errorOf(text: string): AgentCsvError {
  try {
    parseAgentCsv(text);
  } catch (err) {
    if (err instanceof AgentCsvError) return err;
    throw err;
  }
  assert.fail("expected a parse error");
}

Deno.test("parseAgentCsv() reads columns in any order, trims, and maps empty values to null", () => {
  const rows = parseAgentCsv(
    "\ufeffOrg_Unit, id ,name,Extension\r\n" +
      'Org/Sales/Team A,A1,"Lee, Ann",2001\r\n' +
      "\r\n" +
      '7,A2," Bob ""B"" Ray ",\r\n' +
      ",A3,,\n",
  );
  assert.deepEqual(rows, [
    {
      line: 2,
      agentId: "A1",
      name: "Lee, Ann",
      extension: "2001",
      dn: null,
      orgUnit: "Org/Sales/Team A",
    },
    { line: 4, agentId: "A2", name: 'Bob "B" Ray', extension: null, dn: null, orgUnit: "7" },
    { line: 5, agentId: "A3", name: null, extension: null, dn: null, orgUnit: null },
  ]);
});

Deno.test("parseAgentCsv() names the line and column of each problem", () => {
  const cases: [string, number, number, RegExp][] = [
    ["", 1, 1, /empty/],
    ["id,name,team\n", 1, 3, /unknown column "team"/],
    ["name,dn\n", 1, 1, /no "id" column/],
    ["id,id\n", 1, 2, /appears twice/],
    ["id,name\nA1,Ann\nA2\n", 3, 2, /expected 2 fields.*found 1/],
    ["id,name\nA1,Ann\nA1,Bob\n", 3, 1, /already appears on line 2/],
    ['id,name\nA1,"Ann\n', 2, 2, /not closed/],
    ['id,name\nA1,"Ann"x\n', 2, 2, /after a closing quote/],
    ['id,name\nA1,An"n\n', 2, 2, /quote inside an unquoted field/],
    ["id,name\n,Ann\n", 2, 1, /id: empty/],
    ["id,org_unit\nA1,Org//Sales\n", 2, 2, /org_unit: .*empty name/],
    ['id,name\nA1,"two\nlines"\n', 2, 2, /control character/],
    [`id,extension\nA1,${"9".repeat(33)}\n`, 2, 2, /extension: longer than 32/],
    ["id,name\rA1,Ann\n", 1, 2, /CR not followed by LF/],
  ];
  for (const [text, line, column, message] of cases) {
    const err = errorOf(text);
    assert.deepEqual([err.line, err.column], [line, column], `${JSON.stringify(text)}: ${err}`);
    assert.match(err.message, message);
    assert.match(err.message, new RegExp(`^line ${line}, column ${column}: `));
  }
});

Deno.test("parseAgentCsv() never throws anything but an AgentCsvError; what parses re-serializes", () => {
  const alphabet = fc.constantFrom("a", "Z", "1", " ", ",", '"', "\n", "\r", "/", "é", "\t", "");
  const cell = fc.array(alphabet, { maxLength: 8 }).map((a) => a.join(""));
  const header = fc.shuffledSubarray([...AGENT_CSV_COLUMNS], { minLength: 1 }).map((cols) =>
    cols.join(",")
  );
  const body = fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 6 })
    .map((rows) => rows.map((r) => r.join(",")).join("\n"));
  const text = fc.oneof(
    fc.tuple(header, body).map(([h, b]) => `${h}\n${b}`),
    fc.string({ maxLength: 80 }),
  );
  fc.assert(
    fc.property(text, (t) => {
      let rows: AgentCsvRow[];
      try {
        rows = parseAgentCsv(t);
      } catch (err) {
        assert.ok(err instanceof AgentCsvError, `threw ${err}`);
        assert.ok(err.line >= 1 && err.column >= 1);
        return;
      }
      assert.deepEqual(strip(parseAgentCsv(serializeAgentCsv(rows))), strip(rows));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("serializeAgentCsv() output of valid agents parses back to the same agents", () => {
  const value = (max: number) =>
    fc.option(
      fc.string({ minLength: 1, maxLength: max }).filter((s) =>
        s.trim() === s && s.length > 0 && !hasControlCharacter(s)
      ),
    );
  const agent = fc.record({
    agentId: fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
    name: value(30),
    extension: value(8),
    dn: value(40),
    orgUnit: fc.option(fc.constantFrom("Org", "Org/Sales", "12", 'Org/Sales/Team, "A"')),
  });
  fc.assert(
    fc.property(fc.uniqueArray(agent, { selector: (a) => a.agentId, maxLength: 20 }), (agents) => {
      assert.deepEqual(
        strip(parseAgentCsv(serializeAgentCsv(agents))),
        agents.map((a) => ({ ...a })),
      );
    }),
  );
});
