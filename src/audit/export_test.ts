import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { seedAudit, tempBox } from "./_test_util.ts";
import { AuditWriteError } from "./audit_log.ts";
import { withAudit } from "./audited.ts";
import { checkpointPath, writeCheckpoint } from "./checkpoint.ts";
import { keyPaths, loadOrCreateSigningKey } from "./checkpoint_key.ts";
import { exportAuditCsv, exportAuditToFile } from "./export.ts";
import { verifyAuditCsv } from "./verify_store.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const cli = { type: "cli" as const, name: "root" };

Deno.test(
  "exportAuditToFile() writes a verifiable CSV and audits it with its SHA-256",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 10);
    const key = await loadOrCreateSigningKey(box.dir);
    await writeCheckpoint(box.store.db, box.dir, key);
    const out = join(box.dir, "audit.csv");
    const info = await exportAuditToFile(box.store.db, box.audit, out, {}, cli);
    assert.deepEqual({ ...info, sha256: "" }, { rows: 10, sha256: "", firstSeq: 1, lastSeq: 10 });
    const bytes = await Deno.readFile(out);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), info.sha256);
    const last = await box.store.db.selectFrom("audit_events").selectAll().orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    assert.equal(last.action, "audit.export");
    assert.equal(JSON.parse(last.details).sha256, info.sha256);
    const report = await verifyAuditCsv(out, {
      complete: true,
      checkpointsFile: checkpointPath(box.dir),
      publicKeyFile: keyPaths(box.dir).publicKey,
    });
    assert.equal(report.ok, true, JSON.stringify(report.firstBroken));
    assert.equal(report.checked, 10);
    assert.equal(report.checkpointsMatched, 1);
  },
);

Deno.test("a date-range export verifies from its first row and says so", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 10);
  const out = join(box.dir, "part.csv");
  const info = await exportAuditToFile(box.store.db, box.audit, out, {
    from: "2026-01-01T03:00:00Z",
    to: "2026-01-01T06:00:00Z",
  }, cli);
  assert.deepEqual([info.firstSeq, info.lastSeq], [4, 6]);
  const report = await verifyAuditCsv(out);
  assert.equal(report.ok, true);
  assert.deepEqual(report.warnings.slice(0, 1), [
    "partial export: the link before seq 4 is not checked",
  ]);
});

type CsvMutation =
  | { kind: "byte"; pos: number; value: number }
  | { kind: "drop"; line: number }
  | { kind: "swap"; a: number; b: number };

function mutateCsv(bytes: Uint8Array, m: CsvMutation): Uint8Array {
  if (m.kind === "byte") {
    const copy = bytes.slice();
    const p = m.pos % copy.length;
    copy[p] = copy[p] === m.value ? (m.value + 1) % 256 : m.value;
    return copy;
  }
  const lines = new TextDecoder().decode(bytes).split("\r\n");
  const records = lines.length - 2; // header first, "" after the last CRLF
  if (m.kind === "drop") lines.splice(1 + (m.line % records), 1);
  else {
    const a = 1 + (m.a % records);
    const b = a === 1 + (m.b % records) ? 1 + ((m.a + 1) % records) : 1 + (m.b % records);
    [lines[a], lines[b]] = [lines[b], lines[a]];
  }
  return new TextEncoder().encode(lines.join("\r\n"));
}

Deno.test("verify --csv catches every random byte edit, dropped line and swap", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 20);
  const key = await loadOrCreateSigningKey(box.dir);
  await writeCheckpoint(box.store.db, box.dir, key);
  const out = join(box.dir, "audit.csv");
  await exportAuditToFile(box.store.db, box.audit, out, { toSeq: 20 }, cli);
  const original = await Deno.readFile(out);
  const check = {
    complete: true,
    checkpointsFile: checkpointPath(box.dir),
    publicKeyFile: keyPaths(box.dir).publicKey,
  };
  assert.equal((await verifyAuditCsv(out, check)).ok, true);
  const edited = join(box.dir, "edited.csv");
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.record({
          kind: fc.constant("byte" as const),
          pos: fc.integer({ min: 0, max: original.length - 1 }),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        fc.record({ kind: fc.constant("drop" as const), line: fc.integer({ min: 0, max: 19 }) }),
        fc.record({
          kind: fc.constant("swap" as const),
          a: fc.integer({ min: 0, max: 19 }),
          b: fc.integer({ min: 0, max: 19 }),
        }),
      ),
      async (m) => {
        await Deno.writeFile(edited, mutateCsv(original, m));
        const res = await verifyAuditCsv(edited, check);
        assert.equal(res.ok, false, `undetected: ${JSON.stringify(m)}`);
      },
    ),
    { numRuns: 300, seed: 4181 },
  );
});

function failingAuditInsert(box: Awaited<ReturnType<typeof tempBox>>): void {
  box.store.raw.exec(`CREATE TEMP TRIGGER audit_insert_fails BEFORE INSERT ON audit_events
    BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END;`);
}

Deno.test(
  "exports fail with AuditWriteError and leave no file when the audit insert fails",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 3);
    await failingAuditInsert(box);
    const out = join(box.dir, "exports", "audit.csv");
    await Deno.mkdir(join(box.dir, "exports"));
    await assert.rejects(
      exportAuditToFile(box.store.db, box.audit, out, {}, cli),
      (err) =>
        err instanceof AuditWriteError &&
        err.message === 'Cannot write audit entry for "audit.export": disk I/O error (injected)',
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(box.dir, "exports"))), []);
    await assert.rejects(
      exportAuditCsv(box.store.db, box.audit, {}, { actor: { type: "user", id: 1, name: "sue" } }),
      AuditWriteError,
    );
    const n = await box.store.db.selectFrom("audit_events").select("seq").execute();
    assert.equal(n.length, 3);
  },
);

Deno.test(
  "withAudit() rolls back the audited action when the audit insert fails",
  opts,
  async () => {
    await using box = await tempBox();
    const db = box.store.db;
    await db.insertInto("settings").values({ key: "legal_hold:r1", value: "0" }).execute();
    const hold = (v: string) => (tx: Parameters<Parameters<typeof withAudit>[3]>[0]) =>
      tx.updateTable("settings").set({ value: v }).where("key", "=", "legal_hold:r1").execute();
    const input = { actor: cli, action: "recording.hold", recordingId: "r1" };
    await withAudit(db, box.audit, input, hold("1"));
    await failingAuditInsert(box);
    await assert.rejects(withAudit(db, box.audit, input, hold("0")), AuditWriteError);
    const row = await db.selectFrom("settings").select("value").where("key", "=", "legal_hold:r1")
      .executeTakeFirstOrThrow();
    assert.equal(row.value, "1");
    const audits = await db.selectFrom("audit_events").select("action").execute();
    assert.deepEqual(audits.map((a) => a.action), ["recording.hold"]);
  },
);
