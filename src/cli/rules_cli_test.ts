import assert from "node:assert/strict";
import { join } from "node:path";
import { metaToCall, rulesCheck, rulesTest, type RulesTestOptions } from "./rules_cli.ts";
import { runCli } from "./command.ts";
import { rulesCheckCommand, rulesTestCommand } from "./rules_commands.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const SHIPPED = new URL("../../rules", import.meta.url).pathname;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) },
  };
}

function testOptions(extra: Partial<RulesTestOptions> = {}): RulesTestOptions {
  return {
    rulesDir: SHIPPED,
    meta: [],
    json: false,
    callKey: "cli-test-call",
    salt: "",
    now: () => new Date("2026-11-27T10:00:00Z"),
    ...extra,
  };
}

/** Runs `selrec rules …` through the command frame with a config naming the shipped rules. */
async function selrecRules(argv: string[], extraConfig = "") {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "selrec.yaml");
    await Deno.writeTextFile(config, `rules:\n  dir: ${SHIPPED}\n  salt: x\n${extraConfig}`);
    const t = io();
    const code = await runCli([rulesCheckCommand, rulesTestCommand], ["rules", ...argv], {
      ...t.io,
      readStdin: () => Promise.resolve(""),
      env: { SELREC_CONFIG: config },
      isTty: false,
    });
    return { code, out: t.out.join(""), err: t.err.join("") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("rules check lists the shipped rules and exits 0", FS, async () => {
  const t = io();
  assert.equal(await rulesCheck(SHIPPED, t.io), 0);
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
    assert.equal(await rulesCheck(dir, t.io), 2);
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
  const t = io();
  const meta = ["customerType=VIP", "businessUnit=Sales", "GRECORD_PARTITIONS=emea"];
  assert.equal(await rulesTest(testOptions({ meta }), t.io), 0);
  const text = t.out.join("");
  assert.match(text, /^call "cli-test-call" at 2026-11-27T10:00:00.000Z/);
  assert.match(text, /decision: RECORD by rule vip-all\n/);
  assert.match(text, /partitions bu-Sales,emea,vip/);
  assert.match(text, /✗ direction equals "internal" \(seen absent\)/);
  assert.match(text, /rule vip-all \(.*20-vip.yaml:4\): MATCHED/);
});

Deno.test("rules test with json prints the decision object", FS, async () => {
  const t = io();
  const code = await rulesTest(testOptions({ json: true, meta: ["direction=internal"] }), t.io);
  assert.equal(code, 0);
  const d = JSON.parse(t.out.join(""));
  assert.equal(d.record, false);
  assert.equal(d.ruleId, "no-internal");
  assert.equal(d.trace.rules[0].conditions.seen, "internal");
});

Deno.test("rules test refuses a bad --meta or --at with exit 1", FS, async () => {
  for (const bad of [{ meta: ["novalue"] }, { at: "yesterday" }]) {
    const t = io();
    assert.equal(await rulesTest(testOptions(bad), t.io), 1, JSON.stringify(bad));
    assert.match(t.err.join(""), /^Cannot parse --(meta "novalue"|at "yesterday")/);
    assert.deepEqual(t.out, []);
  }
});

Deno.test("selrec rules test passes its parsed flags and the config's rules dir", FS, async () => {
  const r = await selrecRules([
    "test",
    "--meta",
    "customerType=VIP",
    "--meta",
    "businessUnit=Sales",
    "--at",
    "2026-11-27T10:00:00Z",
    "--call-key",
    "k-1",
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.trace.callKey, "k-1");
  assert.equal(d.ruleId, "vip-all");
  assert.equal(d.trace.at, "2026-11-27T10:00:00.000Z");
});

Deno.test("selrec rules check reads the config's dir and refuses extra arguments", FS, async () => {
  const ok = await selrecRules(["check"]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^OK: 7 rules in 5 files/);
  const extra = await selrecRules(["check", SHIPPED, "more"]);
  assert.deepEqual([extra.code, extra.err], [1, "Unexpected arguments: more\n"]);
  const flag = await selrecRules(["test", "--bogus"]);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /Unknown option '--bogus'/);
});

Deno.test(
  "selrec rules check refuses a rule naming a retention class the config lacks",
  FS,
  async () => {
    const r = await selrecRules(
      ["check"],
      "storage:\n  retentionClasses: {standard: 1y, qa: 90d}\n",
    );
    assert.equal(r.code, 2, r.out);
    assert.match(
      r.err,
      /20-vip\.yaml:\d+:1: rule "vip-all": rules\[0\]\.then\.retention: Unknown retention class "long": storage\.retentionClasses defines qa, standard\n/,
    );
    assert.match(r.err, /1 error in /);
    const defaults = await selrecRules(["check"], "storage:\n  retentionClasses: {long: 3y}\n");
    assert.equal(defaults.code, 2);
    assert.match(
      defaults.err,
      /00-defaults\.yaml:45:1: defaults\.retention: Unknown retention class "standard": storage\.retentionClasses defines long\n/,
    );
  },
);

Deno.test("metaToCall() routes built-ins, data.KEY and bare keys", () => {
  assert.deepEqual(metaToCall("k", ["dn=1001", "data.BU=Sales", "GRECORD_PARTITIONS=a=b"]), {
    callKey: "k",
    fields: { dn: "1001" },
    data: { BU: "Sales", GRECORD_PARTITIONS: "a=b" },
  });
  assert.equal(metaToCall("k", ["=x"]), 'Cannot parse --meta "=x": expected KEY=VALUE');
});
