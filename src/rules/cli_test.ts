import assert from "node:assert/strict";
import { join } from "node:path";
import { metaToCall, runRulesCli } from "./cli.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const SHIPPED = new URL("../../rules", import.meta.url).pathname;

function io(extra: Record<string, unknown> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), ...extra },
  };
}

Deno.test("rules check lists the shipped rules and exits 0", FS, async () => {
  const t = io();
  assert.equal(await runRulesCli(["check", SHIPPED], t.io), 0);
  const text = t.out.join("");
  assert.match(text, /^OK: 7 rules in 5 files \(fingerprint [0-9a-f]{16}\)\n/);
  assert.match(
    text,
    /default: do not record, time zone Europe\/London, partitions key GRECORD_PARTITIONS/,
  );
  assert.match(
    text,
    /collections-spanish-50 {2}record destination, sample 50%, quota 20\/agentId\/day,500\/rule\/day/,
  );
  assert.deepEqual(t.err, []);
});

Deno.test("rules check exits 2 listing every error in every file", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "a.yaml"),
      "version: 1\nrules:\n  - id: a\n    sample: 101\n",
    );
    await Deno.writeTextFile(
      join(dir, "b.yaml"),
      "version: 1\nrules:\n  - id: b\n    then: { format: mp3 }\n",
    );
    const t = io();
    assert.equal(await runRulesCli(["check", dir], t.io), 2);
    assert.deepEqual(t.err, [
      `${
        join(dir, "a.yaml")
      }:4:13: rule "a": rules[0].sample: Too big: expected number to be <=100\n`,
      `${
        join(dir, "b.yaml")
      }:4:21: rule "b": rules[0].then.format: Invalid option: expected one of "opus"|"wav"\n`,
      `2 errors in ${dir}\n`,
    ]);
    assert.deepEqual(t.out, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("rules test prints the decision and trace for --meta values", FS, async () => {
  const t = io({ rulesDir: SHIPPED });
  const code = await runRulesCli(
    [
      "test",
      "--meta",
      "customerType=VIP",
      "--meta",
      "businessUnit=Sales",
      "--meta",
      "GRECORD_PARTITIONS=emea",
      "--at",
      "2026-11-27T10:00:00Z",
    ],
    t.io,
  );
  assert.equal(code, 0);
  const text = t.out.join("");
  assert.match(text, /^call "cli-test-call" at 2026-11-27T10:00:00.000Z/);
  assert.match(text, /decision: RECORD by rule vip-all\n/);
  assert.match(text, /partitions bu-Sales,emea,vip/);
  assert.match(text, /✗ direction equals "internal" \(seen absent\)/);
  assert.match(text, /rule vip-all \(.*20-vip.yaml:4\): MATCHED/);
});

Deno.test("rules test --json prints the decision object", FS, async () => {
  const t = io({ rulesDir: SHIPPED, salt: "x" });
  const code = await runRulesCli(["test", "--json", "--meta", "direction=internal"], t.io);
  assert.equal(code, 0);
  const d = JSON.parse(t.out.join(""));
  assert.equal(d.record, false);
  assert.equal(d.ruleId, "no-internal");
  assert.equal(d.trace.rules[0].conditions.seen, "internal");
});

Deno.test("rules test rejects bad usage with exit 1", FS, async () => {
  for (
    const args of [
      ["test", "--meta", "novalue"],
      ["test", "--at", "yesterday"],
      ["test", "--bogus"],
      ["nope"],
      [],
    ]
  ) {
    const t = io({ rulesDir: SHIPPED });
    assert.equal(await runRulesCli(args, t.io), 1, args.join(" "));
    assert.notEqual(t.err.join(""), "");
  }
});

Deno.test("metaToCall() routes built-ins, data.KEY and bare keys", () => {
  assert.deepEqual(metaToCall("k", ["dn=1001", "data.BU=Sales", "GRECORD_PARTITIONS=a=b"]), {
    callKey: "k",
    fields: { dn: "1001" },
    data: { BU: "Sales", GRECORD_PARTITIONS: "a=b" },
  });
  assert.equal(metaToCall("k", ["=x"]), 'Cannot parse --meta "=x": expected KEY=VALUE');
});
