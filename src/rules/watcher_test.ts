import assert from "node:assert/strict";
import { join } from "node:path";
import { RulesLoadError, RulesService } from "./watcher.ts";
import { formatRuleError, type RuleError } from "./loader.ts";
import { evaluate } from "./evaluate.ts";
import { NO_QUOTA_USED } from "./quota.ts";
import type { RuleSet } from "./schema.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

/** Polls `cond` every 20 ms until it holds or `timeoutMs` passes. */
async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rulesText = (record: boolean) =>
  `version: 1\nrules:\n  - id: sales\n    when: { field: businessUnit, equals: Sales }\n    then: { record: ${record} }\n`;

function recordsSales(rs: RuleSet): boolean {
  const call = { callKey: "k", fields: { businessUnit: "Sales" }, data: {} };
  return evaluate(rs, call, { now: new Date(), salt: "s", quota: NO_QUOTA_USED }).record;
}

Deno.test(
  "RulesService applies an edit within 2 s and keeps old rules on a bad edit",
  FS,
  async () => {
    const dir = await Deno.makeTempDir();
    const file = join(dir, "10-sales.yaml");
    await Deno.writeTextFile(file, rulesText(false));
    const svc = await RulesService.open(dir);
    try {
      const reloaded: RuleSet[] = [];
      const failed: RuleError[][] = [];
      svc.onReload((rs) => reloaded.push(rs));
      svc.onError((e) => failed.push(e));
      assert.equal(recordsSales(svc.current()), false);

      await Deno.writeTextFile(file, rulesText(true));
      await waitFor(() => recordsSales(svc.current()), 2000, "the edit to apply");
      assert.equal(svc.stats().reloads, 1);
      assert.equal(reloaded.length, 1);

      const before = svc.current();
      await Deno.writeTextFile(
        file,
        rulesText(true).replace("equals: Sales", "equals: Sales, sample: 200"),
      );
      await waitFor(() => svc.stats().reloadErrors === 1, 2000, "the bad edit to be reported");
      assert.equal(svc.current(), before);
      assert.deepEqual(failed[0].map(formatRuleError), [
        `${file}:4:49: rule "sales": rules[0].when.sample: Unrecognized key: "sample"`,
      ]);
      assert.equal(svc.stats().lastErrors.length, 1);

      await Deno.writeTextFile(file, rulesText(false));
      await waitFor(() => !recordsSales(svc.current()), 2000, "the fixed edit to apply");
      assert.deepEqual(
        [svc.stats().reloads, svc.stats().reloadErrors, svc.stats().lastErrors],
        [2, 1, []],
      );
    } finally {
      await svc.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("RulesService picks up new and removed files", FS, async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "10-a.yaml"), rulesText(false));
  await using svc = await RulesService.open(dir, { debounceMs: 50 });
  try {
    await Deno.writeTextFile(join(dir, "05-first.yml"), rulesText(true).replace("sales", "early"));
    await waitFor(() => svc.current().rules.length === 2, 2000, "the new file");
    assert.equal(recordsSales(svc.current()), true);
    await Deno.remove(join(dir, "05-first.yml"));
    await waitFor(() => svc.current().rules.length === 1, 2000, "the removal");
    assert.equal(recordsSales(svc.current()), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RulesService.open() throws RulesLoadError listing every error", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "a.yaml"),
      "version: 1\nrules:\n  - id: a\n    sample: -1\n",
    );
    await Deno.writeTextFile(join(dir, "b.yaml"), "version: 3\n");
    const err = await RulesService.open(dir).then(() => null, (e) => e);
    assert.ok(err instanceof RulesLoadError);
    assert.equal(err.errors.length, 2);
    assert.match(err.message, /a\.yaml:4:13: rule "a": rules\[0\]\.sample/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RulesService.reload() without watching applies changes on demand", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.yaml"), rulesText(false));
    const svc = await RulesService.open(dir, { watch: false });
    await Deno.writeTextFile(join(dir, "a.yaml"), rulesText(true));
    assert.equal(recordsSales(svc.current()), false);
    const r = await svc.reload();
    assert.ok(r.ok);
    assert.equal(recordsSales(svc.current()), true);
    const again = await svc.reload();
    assert.ok(again.ok);
    assert.equal(svc.stats().reloads, 1); // unchanged content is not a reload
    await svc.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
