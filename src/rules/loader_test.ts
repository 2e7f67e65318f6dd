import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRuleSet, formatRuleError, loadRules, type RuleError } from "./loader.ts";
import { evaluate } from "./evaluate.ts";
import { NO_QUOTA_USED } from "./quota.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

function errorsOf(text: string, name = "rules/t.yaml"): RuleError[] {
  const r = buildRuleSet([{ name, text }]);
  assert.equal(r.ok, false, "expected the file to be rejected");
  return r.ok ? [] : r.errors;
}

function lines(errors: RuleError[]): string[] {
  return errors.map(formatRuleError);
}

Deno.test("loader names file, line, column, rule and field of a bad value", () => {
  const text = `version: 1
rules:
  - id: ok
  - id: sales
    sample: 150
    when:
      all:
        - field: language
          regex: "(es"
`;
  assert.deepEqual(lines(errorsOf(text)), [
    'rules/t.yaml:5:13: rule "sales": rules[1].sample: Too big: expected number to be <=100',
    'rules/t.yaml:9:18: rule "sales": rules[1].when.all[0].regex: Invalid regex "(es": ' +
    "Invalid regular expression: /(es/u: Unterminated group",
  ]);
});

Deno.test("loader points at an unknown key and at the parent of a missing one", () => {
  const text = `version: 1
rules:
  - id: a
    then:
      recrod: true
  - description: no id
`;
  assert.deepEqual(lines(errorsOf(text)), [
    'rules/t.yaml:5:7: rule "a": rules[0].then.recrod: Unrecognized key: "recrod"',
    "rules/t.yaml:6:5: rules[1].id: Invalid input: expected string, received undefined",
  ]);
});

Deno.test("loader reports condition shape errors at the condition", () => {
  const text = `version: 1
rules:
  - id: a
    when:
      - field: dn
        equals: "1"
        prefix: "2"
      - field: colour
        equals: red
      - { any: [] }
`;
  assert.deepEqual(lines(errorsOf(text)), [
    'rules/t.yaml:5:16: rule "a": rules[0].when[0].field: Test on "dn" has 2 operators ' +
    "(equals, prefix): use exactly one",
    'rules/t.yaml:8:16: rule "a": rules[0].when[1].field: Unknown field: use one of ' +
    "businessUnit, customerType, language, dn, agentId, queue, direction, ani, dnis or data.<KEY>",
    'rules/t.yaml:10:16: rule "a": rules[0].when[2].any: Too small: expected array to have >=1 items',
  ]);
});

Deno.test("loader reports YAML syntax errors with their line", () => {
  const errors = errorsOf("version: 1\nrules:\n  - id: a\n   bad: [\n");
  assert.equal(errors[0].file, "rules/t.yaml");
  assert.equal(errors[0].path, "(yaml)");
  assert.ok(errors[0].line >= 3, JSON.stringify(errors[0]));
  assert.match(errors[0].message, /^Cannot parse YAML: /);
  assert.match(formatRuleError(errorsOf("a: 1\na: 2\n")[0]), /:2:1: \(yaml\): .*unique/);
});

Deno.test("loader rejects an empty file, a wrong version and a quota on a no-record rule", () => {
  assert.deepEqual(lines(errorsOf("# nothing\n")), [
    "rules/t.yaml:1:1: (file): File is empty: expected `version: 1` and `rules`",
  ]);
  assert.deepEqual(lines(errorsOf("version: 2\n")), [
    "rules/t.yaml:1:10: version: Invalid input: expected 1",
  ]);
  const q = "version: 1\nrules:\n  - id: x\n    quota: { max: 1 }\n    then: { record: false }\n";
  assert.deepEqual(lines(errorsOf(q)), [
    'rules/t.yaml:4:12: rule "x": rules[0].quota: A quota only applies to rules that record (then.record: true)',
  ]);
});

Deno.test("loader rejects duplicate ids and a second defaults across files", () => {
  const r = buildRuleSet([
    { name: "d/a.yaml", text: "version: 1\ndefaults: { record: true }\nrules:\n  - id: x\n" },
    { name: "d/b.yaml", text: "version: 1\ndefaults: {}\nrules:\n  - id: y\n  - id: x\n" },
  ]);
  assert.equal(r.ok, false);
  assert.deepEqual(lines(r.ok ? [] : r.errors), [
    'd/b.yaml:1:1: defaults: Defaults are already set in "d/a.yaml": set them in one file only',
    'd/b.yaml:5:1: rule "x": rules[1].id: Duplicate rule id "x": first defined at d/a.yaml:4',
  ]);
});

Deno.test("loader keeps numbers-looking values of text fields as written", () => {
  const text = `version: 1
rules:
  - id: 2024
    when:
      any:
        - { field: dnis, equals: 0800 }
        - { field: ani, prefix: [+44, 00353] }
        - { field: data.FLAG, in: [true, 1.50] }
`;
  const r = buildRuleSet([{ name: "t.yaml", text }]);
  assert.ok(r.ok);
  const ctx = { now: new Date(0), salt: "s", quota: NO_QUOTA_USED };
  const rs = r.ruleSet;
  assert.equal(rs.rules[0].id, "2024");
  const hit = (fields: Record<string, string>, data: Record<string, string> = {}) =>
    evaluate(rs, { callKey: "k", fields, data }, ctx).ruleId === "2024";
  assert.equal(hit({ dnis: "0800" }), true);
  assert.equal(hit({ ani: "+441234" }), true);
  assert.equal(hit({ ani: "00353 1" }), true);
  assert.equal(hit({}, { FLAG: "1.50" }), true);
  assert.equal(hit({}, { FLAG: "true" }), true);
  assert.equal(hit({ dnis: "800" }), false);
});

Deno.test("loadRules() reads *.yaml and *.yml in name order and skips others", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "20-b.yml"), "version: 1\nrules:\n  - id: b\n");
    await Deno.writeTextFile(join(dir, "10-a.yaml"), "version: 1\nrules:\n  - id: a\n");
    await Deno.writeTextFile(join(dir, ".#10-a.yaml"), "not: [yaml");
    await Deno.writeTextFile(join(dir, "README.md"), "# notes");
    const r = await loadRules(dir);
    assert.ok(r.ok);
    assert.deepEqual(r.ruleSet.rules.map((x) => [x.id, x.source]), [
      ["a", `${join(dir, "10-a.yaml")}:3`],
      ["b", `${join(dir, "20-b.yml")}:3`],
    ]);
    assert.match(r.ruleSet.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(r.ruleSet.defaults.record, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRules() reports a missing directory", FS, async () => {
  const r = await loadRules("/nonexistent/selrec-rules");
  assert.equal(r.ok, false);
  assert.match(
    r.ok ? "" : formatRuleError(r.errors[0]),
    /^\/nonexistent\/selrec-rules:0:0: \(dir\): Cannot read rules directory/,
  );
});

Deno.test("the shipped example rules load and reproduce the seed use case", FS, async () => {
  const r = await loadRules(new URL("../../rules", import.meta.url).pathname);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const rs = r.ruleSet;
  const ctx = { now: new Date("2026-11-27T10:00:00Z"), salt: "s", quota: NO_QUOTA_USED };
  const decide = (key: string, fields: Record<string, string>, data: Record<string, string> = {}) =>
    evaluate(rs, { callKey: key, fields, data }, ctx);
  const vip = decide("c1", { customerType: "VIP", businessUnit: "Sales" }, {
    GRECORD_PARTITIONS: "emea",
  });
  assert.deepEqual([vip.record, vip.ruleId, vip.mode, vip.partitions], [true, "vip-all", "source", [
    "bu-Sales",
    "emea",
    "vip",
  ]]);
  assert.equal(decide("c2", { customerType: "VIP", direction: "internal" }).ruleId, "no-internal");
  let spanish = 0;
  let sales = 0;
  for (let i = 0; i < 2000; i++) {
    if (
      decide(`s${i}`, { businessUnit: "Collections", language: "es" }).ruleId ===
        "collections-spanish-50"
    ) spanish++;
    if (decide(`t${i}`, { businessUnit: "Sales" }).ruleId === "sales-10") sales++;
  }
  assert.ok(spanish > 900 && spanish < 1100, `spanish ${spanish}`);
  assert.ok(sales > 140 && sales < 260, `sales ${sales}`);
});
